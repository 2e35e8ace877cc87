import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { Request as UndiciRequest, Response as UndiciResponse, type FormData } from 'undici';
import type { HubFetch } from '../protocol/hub-http.ts';
import { verifyDocument } from '../protocol/verify.ts';
import { startTestbed } from '../reference-hub/testing.ts';
import { measure } from './measure.ts';
import type { BenchSection } from './types.ts';

// The embedded reference hub: exchanges per second through the whole path (submit over the HTTP
// layer in-process → multipart parse → ingest verification → SQLite → push delivery with a real
// multipart body → acknowledgement → Model A purge), and memory after 10k and 100k exchanges.
// It runs in a child process so the memory figures are the hub's own, not those of the other
// sections. ECERT_BENCH_HUB_EXCHANGES changes the 100k (the checkpoint is a tenth of it).
//
// Where memory could grow, and why it does not: PDFs live in SQLite, not in memory, and are
// purged after delivery (Model A; retention 0 here); logs, timelines and attempts are rows on
// disk; SQLite's page cache is bounded (2 MB); the trust registry is one cached object whose
// chain cache is bounded; the scheduler holds only the pushes in flight; nothing keeps
// per-exchange state in JavaScript.

interface ChildResult {
  exchanges: number;
  checkpoint: number;
  verifyPerSec: number;
  firstPerSec: number;
  restPerSec: number;
  peakRssAtCheckpointMb: number;
  peakRssAtEndMb: number;
  heapAtCheckpointMb: number;
  heapAtEndMb: number;
  dbMb: number;
}

const CONCURRENCY = 8;
const mb = (bytes: number): number => Math.round((bytes / 1e6) * 10) / 10;

async function child(total: number): Promise<ChildResult> {
  const checkpoint = Math.max(1, Math.floor(total / 10));
  // The recipient node reads the whole multipart body, as a real one would, and acknowledges.
  const recipient: HubFetch = async (url, init) => {
    await new UndiciRequest(url, { method: 'POST', body: init.body as FormData }).arrayBuffer();
    const id = init.headers['x-ecert-exchange-id'];
    return new UndiciResponse(JSON.stringify({ acknowledged: id }), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const tb = await startTestbed({ countries: ['UZ', 'KG'], callbacks: { UZ: 'https://uz.node.bench/cb' }, hub: { fetch: recipient, retentionMs: 0 } });
  try {
    const doc = await tb.issue('KG', 'UZ');
    const trust = await tb.operator.exportTrust();
    const verifyPerSec = measure({ verify: () => verifyDocument({ pdf: doc.pdf, envelope: doc.envelope, trust, at: new Date() }) }, { rounds: 5, roundMs: 200 }).verify!;
    const kg = tb.node('KG');
    const gc = (globalThis as { gc?: () => void }).gc;
    const heapMb = () => {
      gc?.();
      return mb(process.memoryUsage().heapUsed);
    };
    let next = 0;
    const run = async (until: number) => {
      const worker = async () => {
        while (next < until) {
          const k = next++;
          await kg.submit({ pdf: doc.pdf, envelope: doc.envelope, recipient: 'UZ', idempotencyKey: `bench-${k}` });
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      await tb.hub.idle();
    };
    const t0 = performance.now();
    await run(checkpoint);
    const t1 = performance.now();
    const peakRssAtCheckpointMb = mb(process.resourceUsage().maxRSS * 1024);
    const heapAtCheckpointMb = heapMb();
    await run(total);
    const t2 = performance.now();
    const peakRssAtEndMb = mb(process.resourceUsage().maxRSS * 1024);
    const heapAtEndMb = heapMb();
    const delivered = await tb.operator.listExchanges({ status: 'Delivered', limit: 1 });
    if (!delivered.length || delivered[0]!.document.available) throw new Error('bench: exchanges were not delivered and purged');
    const fs = await import('node:fs');
    const dbMb = mb(fs.statSync(`${tb.hub.dataDir}/hub.sqlite`).size + (fs.statSync(`${tb.hub.dataDir}/hub.sqlite-wal`, { throwIfNoEntry: false })?.size ?? 0));
    return {
      exchanges: total,
      checkpoint,
      verifyPerSec,
      firstPerSec: (checkpoint * 1000) / (t1 - t0),
      restPerSec: ((total - checkpoint) * 1000) / (t2 - t1),
      peakRssAtCheckpointMb,
      peakRssAtEndMb,
      heapAtCheckpointMb,
      heapAtEndMb,
      dbMb,
    };
  } finally {
    await tb.close();
  }
}

export async function benchHub(): Promise<BenchSection> {
  const total = Number(process.env.ECERT_BENCH_HUB_EXCHANGES ?? 100_000);
  const proc = await execa('node', ['--expose-gc', '--import', 'tsx', import.meta.filename, '--child', String(total)], { cwd: `${import.meta.dirname}/..`, reject: false });
  if (proc.exitCode !== 0) throw new Error(`bench/hub.ts child failed (${String(proc.exitCode)}): ${proc.stderr || proc.stdout}`);
  const r = JSON.parse(proc.stdout.trim().split('\n').at(-1)!) as ChildResult;
  const growth = r.peakRssAtEndMb / r.peakRssAtCheckpointMb;
  const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  return {
    title: 'reference hub (embedded, in-process HTTP, SQLite WAL)',
    rows: [
      { name: 'verifyDocument alone (same document)', opsPerSec: r.verifyPerSec },
      {
        name: `exchange end to end, first ${k(r.checkpoint)}`,
        opsPerSec: r.firstPerSec,
        ratio: { of: 'verifyDocument alone (same document)', value: r.firstPerSec / r.verifyPerSec },
      },
      {
        name: `exchange end to end, ${k(r.checkpoint)} to ${k(r.exchanges)}`,
        opsPerSec: r.restPerSec,
        ratio: { of: 'verifyDocument alone (same document)', value: r.restPerSec / r.verifyPerSec },
      },
      {
        // Memory is not a throughput: the row states the growth factor against its ceiling.
        name: `peak RSS at ${k(r.exchanges)} exchanges`,
        ratio: { of: `peak RSS at ${k(r.checkpoint)}`, value: r.peakRssAtEndMb / r.peakRssAtCheckpointMb, atMost: 1.2 },
      },
    ],
    notes: [
      `exchange = submit (multipart, in-process HTTP) -> ingest verification -> SQLite -> push (multipart) -> acknowledgement -> Model A purge; ${CONCURRENCY} submissions in flight`,
      `peak RSS: ${r.peakRssAtCheckpointMb} MB after ${k(r.checkpoint)}, ${r.peakRssAtEndMb} MB after ${k(r.exchanges)}: ratio ${growth.toFixed(3)} (target <= 1.2)`,
      `heap after GC: ${r.heapAtCheckpointMb} MB after ${k(r.checkpoint)}, ${r.heapAtEndMb} MB after ${k(r.exchanges)}; store on disk ${r.dbMb} MB`,
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child') {
  const result = await child(Number(process.argv[3] ?? 100_000));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
