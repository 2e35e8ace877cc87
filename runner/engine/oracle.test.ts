import { describe, expect, it } from 'vitest';
import type { Expectation } from '../../scenarios/types.ts';
import { type CaseObservation, evaluate } from './oracle.ts';

const accepted: Expectation = { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' } };
const rejected: Expectation = {
  oracle: 'MESSAGE_DIGEST_MISMATCH',
  hub: { status: 'Rejected', reasonCode: 'MESSAGE_DIGEST_MISMATCH' },
  recipient: 'not-delivered',
};

function goodAccepted(): CaseObservation {
  return {
    oracle: { valid: true, reasonCodes: [] },
    sentSha256: 'aa',
    hub: { exchangeId: 'x1', status: 'Accepted', reasonCodes: [], deliveryMode: 'push', deliveryAttempts: 1, okDeliveryAttempts: 1, decision: 'accepted' },
    senderSees: 'Accepted',
    recipient: { mock: true, deliveries: 1, receivedSha256: 'aa', decisions: [{ decision: 'accepted' }] },
    exchanges: { hub: ['x1'], sender: ['x1'], recipient: ['x1'] },
    logChains: [
      { log: 'exchange', valid: true },
      { log: 'audit', valid: true },
    ],
  };
}

function goodRejected(): CaseObservation {
  return {
    oracle: { valid: false, reasonCodes: ['MESSAGE_DIGEST_MISMATCH', 'FILE_HASH_MISMATCH'] },
    sentSha256: 'bb',
    hub: { exchangeId: 'x2', status: 'Rejected', reasonCodes: ['MESSAGE_DIGEST_MISMATCH', 'FILE_HASH_MISMATCH'], deliveryMode: 'push', deliveryAttempts: 0, okDeliveryAttempts: 0 },
    senderSees: 'Rejected',
    recipient: { mock: true, deliveries: 0, decisions: [] },
    exchanges: { hub: ['x2'], sender: ['x2'], recipient: [] },
  };
}

const codes = (obs: CaseObservation, exp: Expectation) => evaluate(exp, obs).findings.map((f) => f.code);

describe('oracle', () => {
  it('passes a correct standard exchange and a correct rejection', () => {
    expect(evaluate(accepted, goodAccepted())).toEqual({ status: 'passed', findings: [] });
    expect(evaluate(rejected, goodRejected())).toEqual({ status: 'passed', findings: [] });
  });

  it('reports a hub that accepts a bad document as a false accept, attributed to the hub', () => {
    const obs = goodRejected();
    obs.hub = { ...obs.hub!, status: 'Accepted', reasonCodes: [] };
    obs.recipient = { mock: true, deliveries: 1, receivedSha256: 'bb', decisions: [{ decision: 'refused', reasonCode: 'MESSAGE_DIGEST_MISMATCH' }] };
    obs.exchanges.recipient = ['x2'];
    const v = evaluate(rejected, obs);
    expect(v.status).toBe('failed');
    expect(v.primary).toMatchObject({ code: 'FALSE_ACCEPT', severity: 'false-accept', attribution: 'hub' });
    expect(v.findings.map((f) => f.code)).toContain('DELIVERED_DESPITE_REJECTION');
  });

  it('passes a negative case only on the expected reason', () => {
    const obs = goodRejected();
    obs.hub = { ...obs.hub!, reasonCodes: ['SIGNATURE_INVALID'] };
    const v = evaluate(rejected, obs);
    expect(v.status).toBe('failed');
    expect(v.primary).toMatchObject({ code: 'WRONG_REASON', severity: 'wrong-reason', params: { expected: 'MESSAGE_DIGEST_MISMATCH', observed: 'SIGNATURE_INVALID' } });
  });

  it('does not pass a hub that lists codes the document does not warrant beside the expected one', () => {
    const obs = goodRejected();
    obs.hub = { ...obs.hub!, reasonCodes: ['MESSAGE_DIGEST_MISMATCH', 'SIGNER_REVOKED', 'DOCUMENT_EXPIRED'] };
    const v = evaluate(rejected, obs);
    expect(v.primary).toMatchObject({ code: 'UNEXPLAINED_REASON', severity: 'wrong-reason', params: { codes: 'SIGNER_REVOKED, DOCUMENT_EXPIRED' } });
    expect(v.primary!.message).toMatch(/the hub also gave SIGNER_REVOKED, DOCUMENT_EXPIRED/);
  });

  it('reports a rejected genuine document as a false reject', () => {
    const obs = goodAccepted();
    obs.hub = { ...obs.hub!, status: 'Rejected', reasonCodes: ['SIGNER_NOT_REGISTERED'] };
    expect(evaluate(accepted, obs).primary).toMatchObject({ code: 'FALSE_REJECT', attribution: 'hub' });
  });

  it('is an error of the harness when its own verification disagrees with the case', () => {
    const obs = goodRejected();
    obs.oracle = { valid: true, reasonCodes: [] };
    const v = evaluate(rejected, obs);
    expect(v.status).toBe('error');
    expect(v.primary).toMatchObject({ code: 'ORACLE_MISMATCH', attribution: 'harness' });
  });

  it('catches duplicates: two hub exchanges for one submission, two decisions for one exchange', () => {
    const dup = goodAccepted();
    dup.exchanges = { hub: ['x1', 'x9'], sender: ['x1'], recipient: ['x1'] };
    expect(codes(dup, accepted)).toContain('DUPLICATE_EXCHANGE');
    const twice = goodAccepted();
    twice.recipient.decisions = [{ decision: 'accepted' }, { decision: 'accepted' }];
    expect(evaluate(accepted, twice).primary).toMatchObject({ code: 'DUPLICATE_DECISION', severity: 'duplicate' });
  });

  it('allows a duplicate delivery (at least once) when the effect is once', () => {
    const obs = goodAccepted();
    obs.recipient.deliveries = 2;
    obs.hub!.deliveryAttempts = 2;
    expect(evaluate({ ...accepted, deliveryAttempts: { min: 2 } }, obs).status).toBe('passed');
  });

  it('catches an exchange the sender logged that the hub lost', () => {
    const obs = goodAccepted();
    obs.exchanges.sender = ['x1', 'x7'];
    expect(codes(obs, accepted)).toContain('LOGS_DISAGREE');
  });

  it('catches a hub that gave up early or never retried', () => {
    const obs = goodAccepted();
    obs.hub = { ...obs.hub!, status: 'FailedDelivery', decision: undefined, deliveryAttempts: 1 };
    obs.recipient = { mock: true, deliveries: 0, decisions: [] };
    obs.exchanges.recipient = [];
    const v = evaluate({ ...accepted, deliveryAttempts: { min: 4 } }, obs);
    expect(v.primary).toMatchObject({ code: 'WRONG_STATUS', severity: 'lost-exchange' });
    expect(v.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['NOT_DELIVERED', 'DELIVERY_ATTEMPTS_OUT_OF_BOUNDS']));
  });

  it('ignores delivery-attempt bounds for pull recipients', () => {
    const obs = goodAccepted();
    obs.hub = { ...obs.hub!, deliveryMode: 'pull', deliveryAttempts: 0 };
    expect(evaluate({ ...accepted, deliveryAttempts: { min: 3 } }, obs).status).toBe('passed');
  });

  it('fails when the sender cannot read its own exchange', () => {
    const obs = goodAccepted();
    obs.senderSees = 'unreadable';
    obs.senderSeesError = 'HTTP 404 NOT_FOUND';
    expect(evaluate(accepted, obs).primary).toMatchObject({ code: 'SENDER_VIEW_MISMATCH', params: { observed: 'unreadable (HTTP 404 NOT_FOUND)' } });
  });

  it('catches a push recipient that got more deliveries than the hub admits making', () => {
    const obs = goodAccepted();
    obs.recipient.deliveries = 2; // the hub logged one attempt
    expect(evaluate(accepted, obs).primary).toMatchObject({ code: 'DUPLICATE_DELIVERY', params: { count: 2 } });
  });

  it('blames the hub when a node refuses because the hub\u2019s registry answered wrong', () => {
    const obs = goodAccepted();
    obs.recipient.decisions = [{ decision: 'refused', reasonCode: 'REGISTRY_MISMATCH' }];
    expect(evaluate(accepted, obs).primary).toMatchObject({ code: 'WRONG_DECISION', attribution: 'hub' });
  });

  it('attributes a wrong decision on intact bytes to the node, on changed bytes to the hub', () => {
    const node = goodAccepted();
    node.recipient.decisions = [{ decision: 'refused', reasonCode: 'QR_MISMATCH' }];
    expect(evaluate(accepted, node).primary).toMatchObject({ code: 'WRONG_DECISION', attribution: 'node' });
    const hub = goodAccepted();
    hub.recipient = { mock: true, deliveries: 1, receivedSha256: 'cc', decisions: [{ decision: 'refused', reasonCode: 'FILE_HASH_MISMATCH' }] };
    const v = evaluate(accepted, hub);
    expect(v.primary).toMatchObject({ code: 'CONTENT_CHANGED_IN_TRANSIT', attribution: 'hub', severity: 'false-accept' });
  });

  it('checks the recipient reason in the expiry-in-transit case', () => {
    const exp: Expectation = { oracle: 'valid', hub: { status: 'Refused' }, recipient: { decision: 'refused', reasonCode: 'DOCUMENT_EXPIRED' } };
    const obs = goodAccepted();
    obs.hub = { ...obs.hub!, status: 'Refused', decision: 'refused' };
    obs.senderSees = 'Refused';
    obs.recipient.decisions = [{ decision: 'refused', reasonCode: 'DOCUMENT_EXPIRED' }];
    expect(evaluate(exp, obs).status).toBe('passed');
    obs.recipient.decisions = [{ decision: 'accepted' }];
    obs.hub.status = 'Accepted';
    obs.senderSees = 'Accepted';
    expect(evaluate(exp, obs).findings.map((f) => f.code)).toEqual(expect.arrayContaining(['WRONG_STATUS', 'WRONG_DECISION']));
  });

  it('requires the sender to see delivery failure, and Model A purge with status kept', () => {
    const failed: Expectation = { oracle: 'valid', hub: { status: 'FailedDelivery' }, senderSees: 'FailedDelivery', recipient: 'not-delivered' };
    const obs = goodAccepted();
    obs.hub = { ...obs.hub!, status: 'FailedDelivery', decision: undefined, deliveryAttempts: 4 };
    obs.recipient = { mock: true, deliveries: 0, decisions: [] };
    obs.exchanges.recipient = [];
    obs.senderSees = 'PendingDelivery';
    expect(codes(obs, failed)).toEqual(['SENDER_VIEW_MISMATCH']);

    const purge: Expectation = { ...accepted, documentPurged: true };
    const kept = goodAccepted();
    kept.purge = { documentGone: false, httpStatus: 200, statusKept: true };
    expect(codes(kept, purge)).toEqual(['NOT_PURGED']);
    kept.purge = { documentGone: true, httpStatus: 410, statusKept: true };
    expect(evaluate(purge, kept).status).toBe('passed');
  });

  it('catches a hub that delivers again after an acknowledgement, but not a retry after a time-out', () => {
    const twice = goodAccepted();
    twice.hub = { ...twice.hub!, deliveryAttempts: 2, okDeliveryAttempts: 2 };
    twice.recipient.deliveries = 2;
    expect(evaluate(accepted, twice).primary).toMatchObject({ code: 'DUPLICATE_DELIVERY', severity: 'duplicate', attribution: 'hub' });
    const retried = goodAccepted();
    retried.hub = { ...retried.hub!, deliveryAttempts: 2, okDeliveryAttempts: 1 };
    retried.recipient.deliveries = 2;
    expect(evaluate(accepted, retried).status).toBe('passed');
    const pulledTwice = goodAccepted();
    pulledTwice.hub = { ...pulledTwice.hub!, deliveryMode: 'pull', deliveryAttempts: 0, okDeliveryAttempts: 0 };
    pulledTwice.recipient.deliveries = 2;
    expect(codes(pulledTwice, accepted)).toEqual(['DUPLICATE_DELIVERY']);
    pulledTwice.recipient.faulted = true;
    expect(codes(pulledTwice, accepted)).toEqual([]);
  });

  it('reports what a third country could see as a data leak', () => {
    const obs = goodAccepted();
    obs.privacy = { third: 'TJ', leaks: [{ probe: 'read', answer: '2xx' }] };
    expect(evaluate({ ...accepted, privateToParties: true }, obs).primary).toMatchObject({ code: 'PRIVACY_LEAK', severity: 'data-leak', attribution: 'hub' });
    obs.privacy = { third: 'TJ', leaks: [] };
    expect(evaluate({ ...accepted, privateToParties: true }, obs).status).toBe('passed');
  });

  it('fails on a broken log chain', () => {
    const obs = goodAccepted();
    obs.logChains = [{ log: 'audit', valid: false, detail: 'entry 7' }];
    expect(evaluate(accepted, obs).primary).toMatchObject({ code: 'LOG_CHAIN_BROKEN', severity: 'log-mismatch' });
  });

  it('attributes an unreachable hub with no exchange to the network', () => {
    const obs = goodAccepted();
    obs.hub = null;
    obs.stepFailure = { step: 'submit', kind: 'unreachable', message: 'ECONNREFUSED' };
    expect(evaluate(accepted, obs).primary).toMatchObject({ code: 'STEP_FAILED', attribution: 'network' });
  });
});
