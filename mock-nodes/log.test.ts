import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicUrlFor } from './fleet.ts';
import { NodeLog } from './log.ts';
import { nodeServerTls } from './server-tls.ts';

describe('node log', () => {
  it('derives sent / received / decided exchange ids, redeliveries and double decisions from its entries', () => {
    const log = new NodeLog('UZ', () => new Date('2026-01-01T00:00:00Z'));
    log.append('sent', { exchangeId: 'a', idempotencyKey: 'k1' });
    log.append('sent', { exchangeId: 'a', idempotencyKey: 'k1' }); // a replayed submission: the same exchange
    log.append('received', { exchangeId: 'b', data: { taken: false, reason: 'missing-ack' } });
    log.append('received', { exchangeId: 'b', data: { taken: true, duplicate: false } });
    log.append('received', { exchangeId: 'b', data: { taken: true, duplicate: true } });
    log.append('decided', { exchangeId: 'b', data: { decision: 'accepted' } });
    log.append('decision-reported', { exchangeId: 'b' });
    log.append('received', { exchangeId: 'c', data: { taken: true } });
    log.append('decided', { exchangeId: 'c', data: { decision: 'refused' } });
    log.append('decided', { exchangeId: 'c', data: { decision: 'refused' } });
    expect(log.exchangeIds()).toEqual({
      sent: ['a'],
      received: ['b', 'c'],
      decided: ['b', 'c'],
      redelivered: ['b'],
      decidedTwice: ['c'],
      decisionNotReported: ['c'],
    });
  });

  it('writes every entry to its file as it happens, and exports the whole log as JSON Lines', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-log-'));
    try {
      const live = path.join(dir, 'live', 'node-KG.jsonl');
      const log = new NodeLog('KG', () => new Date('2026-01-01T00:00:00Z'), live);
      log.append('fault-applied', { data: { faultId: 'f1' } });
      expect(fs.readFileSync(live, 'utf8')).toBe(`${JSON.stringify(log.entries()[0])}\n`);
      log.append('received', { exchangeId: 'x', data: { taken: true } });
      log.close();
      log.exportTo(path.join(dir, 'logs', 'node-KG.jsonl'));
      const lines = fs.readFileSync(path.join(dir, 'logs', 'node-KG.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((e) => [e.seq, e.node, e.type])).toEqual([
        [1, 'KG', 'fault-applied'],
        [2, 'KG', 'received'],
      ]);
      expect(fs.readFileSync(live, 'utf8').trim().split('\n')).toHaveLength(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node server TLS material', () => {
  it('is byte-identical for a seed, differs across seeds, and names the node hosts', () => {
    const a = nodeServerTls({ seed: 's1', country: 'UZ', hostnames: ['nodes.example.org', '203.0.113.5'] });
    const b = nodeServerTls({ seed: 's1', country: 'UZ', hostnames: ['nodes.example.org', '203.0.113.5'] });
    expect(b).toEqual(a);
    expect(nodeServerTls({ seed: 's2', country: 'UZ' }).caPem).not.toBe(a.caPem);
    const cert = new X509Certificate(a.certPem);
    expect(cert.checkIssued(new X509Certificate(a.caPem))).toBe(true);
    expect(cert.subjectAltName).toContain('DNS:uz.node.ecert.test');
    expect(cert.subjectAltName).toContain('DNS:nodes.example.org');
    expect(cert.subjectAltName).toContain('IP Address:203.0.113.5');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
  });

  it('public URL templates: per-country, or the node port on a plain host', () => {
    expect(publicUrlFor('https://{cc}.nodes.example.org', 'KG')).toBe('https://kg.nodes.example.org');
    expect(publicUrlFor('https://203.0.113.5', 'KG')).toBe('https://203.0.113.5:{port}');
    expect(publicUrlFor('https://[2001:db8::1]/ecert/', 'KG')).toBe('https://[2001:db8::1]:{port}/ecert');
  });
});
