// The reports room: KPI engine, HTML/PDF evidence reports, and the evidence pack.
// Everything is computed from a run directory's files alone (docs/ARCHITECTURE.md, "The run directory").
export { loadRun, RunReadError, type RecordProblem, type RunReadErrorKind, type RunRecord } from './run-record.ts';
export {
  computeKpis,
  DETECTION_TARGET_PERCENT,
  KPI1_PAIR_TARGET,
  KPI1_TOTAL_TARGET,
  KPI2_TARGET_PERCENT,
  KPI3_TARGET_PERCENT,
  kpi2Success,
  median,
  meetsPercent,
  percentile,
  wilson,
} from './kpi/index.ts';
export type * from './kpi/types.ts';
export { buildReportView, renderHtml, renderPdf, renderReportFiles, renderRun, type RenderedReports, type RenderOptions } from './render/index.ts';
export {
  EvidenceError,
  listRunFiles,
  MANIFEST_FILE,
  sealRun,
  SIGNATURE_FILE,
  verifyEvidence,
  type EvidenceVerification,
  type Manifest,
  type ManifestEntry,
  type SealResult,
} from './evidence/manifest.ts';
export { loadOrCreateTester, TESTER_CERT_FILE, TesterKeyError, testerHome, type TesterIdentity, type TesterOptions } from './evidence/tester.ts';
export { reportsExtension } from './cli-extension.ts';
export { reportMessages } from './report.messages.ts';
export { reportsCliMessages } from './cli.messages.ts';
