// The mock national nodes: one engine (MockNode) for every country, behaviour from the country
// profile, fault controls, a local log, and two transports (in-process for CI, HTTPS servers
// for missions). See docs in mock-nodes/README.md.

export { type NodeClock, createClock } from './clock.ts';
export {
  type ActiveFault,
  FAULT_NAMES,
  FaultController,
  type FaultName,
  type FaultSpec,
  FaultSpecError,
  parseFaultSpec,
} from './faults.ts';
export {
  type HubAccess,
  type InProcessNodes,
  type MockNodes,
  type NodeSetOptions,
  type ServerNodes,
  type ServerNodesOptions,
  materialFromPki,
  publicUrlFor,
  startInProcessNodes,
  startServerNodes,
} from './fleet.ts';
export { DEFAULT_CALLBACK_PATH, type IncomingDelivery, type NodeHandler, TransportFault, createNodeHandler } from './handlers.ts';
export { type FetchLike, faultInjectingFetch } from './hub-link.ts';
export { IN_PROCESS_DOMAIN, InProcessNetwork, inProcessBaseUrl } from './in-process.ts';
export { NODE_LOG_TYPES, NodeLog, type NodeExchangeIds, type NodeLogEntry, type NodeLogType } from './log.ts';
export { nodeMessages } from './messages.ts';
export {
  DEFAULT_TIMING,
  type DeliverySetting,
  FAST_TIMING,
  type IssueOptions,
  type Issuer,
  type MechanismResult,
  MockNode,
  type MockNodeOptions,
  type NodeDecision,
  type NodeMaterial,
  type NodeReceipt,
  NodeSendError,
  type NodeTiming,
  NodeTimeoutError,
  type PullResult,
  type SendOptions,
  type SendResult,
  isRetryable,
} from './node.ts';
export { NODE_REASON_CODES, type NodeReasonCode, isNodeReasonCode } from './reason-codes.ts';
export { ControlServer, NodeServer, type NodeServerOptions, deliveryFetch, resetConnection } from './server.ts';
export { type NodeServerTls, nodeServerCaPem, nodeServerTls } from './server-tls.ts';
