import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CountryCode } from '../protocol/types.ts';
import { type Lang, resolveLang } from '../protocol/i18n.ts';
import type { CaseCategory } from '../scenarios/types.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { UsageError } from './cli/errors.ts';
import { configMessages } from './config.messages.ts';

// ecert.config.ts: a typed file for what changes between a CI run and a country mission
// (which hub, whose credentials, which countries run real nodes). Everything has a default that
// runs the whole suite against the embedded reference hub.

export interface EcertConfig {
  /** Seed for all generated data (documents, ids, keys). */
  seed?: string;
  /** Countries whose cases run (default: every profile in fixtures/profiles). */
  countries?: CountryCode[];
  /** A remote hub (a mission against the real hub). Omit for the embedded reference hub. */
  hub?: {
    url: string;
    /** PEM file of the CA that issued the hub's TLS certificate. */
    ca: string;
    /** Operator credentials (registry, logs, clock): PEM certificate and key files. */
    operator: { cert: string; key: string };
  };
  /** Where the mock nodes listen when the hub is remote (the hub must be able to reach them). */
  nodes?: {
    host?: string;
    portBase?: number;
    /** Public base URL the remote hub uses to reach the nodes, e.g. https://tester-laptop.example:9400 */
    publicUrl?: string;
    /** Countries served by their real national node rather than a mock (observed through the hub). */
    real?: CountryCode[];
  };
  /** The embedded reference hub's timings (ignored for a remote hub). */
  embedded?: {
    deliveryTimeoutMs?: number;
    retry?: { attempts?: number; baseDelayMs?: number; factor?: number; maxDelayMs?: number };
    pullWindowMs?: number;
    retentionMs?: number;
    defects?: string[];
  };
  timeouts?: {
    /** Per-case time-out (vitest). */
    caseMs?: number;
    /** How long a case waits for a status before it is failed as stuck. */
    awaitMs?: number;
  };
  /** Cases run at the same time. */
  concurrency?: number;
  /** KPI-3 baseline (processing time before the hub), hours. */
  kpi3Baseline?: { overallHours?: number; perPairHours?: Record<string, number>; source?: string };
  /** Tester identity for signing the evidence manifest (generated on first use when absent). */
  tester?: { key?: string; cert?: string };
  lang?: Lang;
  /** Where runs are written (default reports/out). */
  out?: string;
}

const str = { type: 'string', minLength: 1 } as const;
const posInt = { type: 'integer', minimum: 1 } as const;
const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    seed: str,
    countries: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } },
    hub: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'ca', 'operator'],
      properties: { url: str, ca: str, operator: { type: 'object', additionalProperties: false, required: ['cert', 'key'], properties: { cert: str, key: str } } },
    },
    nodes: {
      type: 'object',
      additionalProperties: false,
      properties: { host: str, portBase: posInt, publicUrl: str, real: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } } },
    },
    embedded: {
      type: 'object',
      additionalProperties: false,
      properties: {
        deliveryTimeoutMs: posInt,
        retry: { type: 'object', additionalProperties: false, properties: { attempts: posInt, baseDelayMs: posInt, factor: { type: 'number', minimum: 1 }, maxDelayMs: posInt } },
        pullWindowMs: posInt,
        retentionMs: posInt,
        defects: { type: 'array', items: str },
      },
    },
    timeouts: { type: 'object', additionalProperties: false, properties: { caseMs: posInt, awaitMs: posInt } },
    concurrency: posInt,
    kpi3Baseline: {
      type: 'object',
      additionalProperties: false,
      properties: { overallHours: { type: 'number', exclusiveMinimum: 0 }, perPairHours: { type: 'object', additionalProperties: { type: 'number', exclusiveMinimum: 0 } }, source: str },
    },
    tester: { type: 'object', additionalProperties: false, properties: { key: str, cert: str } },
    lang: { enum: ['en', 'ru'] },
    out: str,
  },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateConfig = ajv.compile(CONFIG_SCHEMA);

export function defineConfig(config: EcertConfig): EcertConfig {
  return config;
}

export const CONFIG_FILES = ['ecert.config.ts', 'ecert.config.mjs', 'ecert.config.js', 'ecert.config.json'];

/** Find and load the config file from `cwd` (or the explicit path). Paths inside it resolve against its folder. */
export async function loadConfig(cwd: string, explicit?: string, lang: Lang = resolveLang()): Promise<{ config: EcertConfig; file?: string }> {
  const t = configMessages.t.bind(configMessages);
  const file = explicit ? path.resolve(cwd, explicit) : CONFIG_FILES.map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f));
  if (!file) return { config: {} };
  if (!fs.existsSync(file)) throw new UsageError(t(lang, 'missing', { file }), t(lang, 'missing.hint'));
  let raw: unknown;
  try {
    if (file.endsWith('.json')) raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    else {
      // tsImport loads the file as an ES module wherever it lives (a tester's folder has no package.json).
      const { tsImport } = await import('tsx/esm/api');
      raw = ((await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown }).default;
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    const notFound = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(String(error));
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new UsageError(t(lang, 'unreadable', { file, reason }), t(lang, notFound ? 'hint.moduleNotFound' : 'hint.syntax'));
  }
  // A TypeScript config loaded through CommonJS interop arrives wrapped once more.
  if (raw && typeof raw === 'object' && Object.keys(raw).length === 1 && 'default' in raw) raw = (raw as { default: unknown }).default;
  if (!raw || typeof raw !== 'object') throw new UsageError(t(lang, 'notObject', { file }), t(lang, 'hint.syntax'));
  if (!validateConfig(raw)) {
    const problems = (validateConfig.errors ?? []).map((e) =>
      e.keyword === 'additionalProperties'
        ? t(lang, 'unknownKey', { path: e.instancePath || '/', key: String((e.params as { additionalProperty?: string }).additionalProperty) })
        : `${e.instancePath || '/'} ${e.message ?? ''}`,
    );
    throw new UsageError(t(lang, 'invalid', { file, problems: problems.join('; ') }), t(lang, 'invalid.hint'));
  }
  const config = raw as EcertConfig;
  const dir = path.dirname(file);
  const abs = (p: string | undefined) => (p ? path.resolve(dir, p) : p);
  if (config.hub) {
    if (!/^https:\/\//.test(config.hub.url)) throw new UsageError(t(lang, 'hubUrl', { file, url: config.hub.url }));
    config.hub = { ...config.hub, ca: abs(config.hub.ca)!, operator: { cert: abs(config.hub.operator?.cert)!, key: abs(config.hub.operator?.key)! } };
  }
  if (config.tester) config.tester = { key: abs(config.tester.key), cert: abs(config.tester.cert) };
  if (config.out) config.out = abs(config.out);
  return { config, file };
}

/** What `ecert run` runs: the merge of the config file and the command line. Serializable (passed to vitest workers). */
export interface RunConfig {
  runId: string;
  runDir: string;
  projectRoot: string;
  seed: string;
  /** Every country of the federation (partners come from all of them). */
  federation: CountryCode[];
  selection: {
    countries?: CountryCode[];
    categories?: CaseCategory[];
    pattern?: string;
    tags?: string[];
    ids?: string[];
  };
  hub:
    | { mode: 'embedded'; defects: string[]; deliveryTimeoutMs: number; retry: { attempts: number; baseDelayMs: number; factor: number; maxDelayMs: number }; pullWindowMs: number; retentionMs: number }
    | { mode: 'remote'; url: string; ca: string; operator: { cert: string; key: string } };
  nodes: { host: string; portBase: number; publicUrl?: string; real: CountryCode[] };
  timeouts: { caseMs: number; awaitMs: number };
  concurrency: number;
  lang: Lang;
  kind: 'catalog' | 'pilot';
  /** Pilot: genuine exchanges per ordered pair. */
  perPair?: number;
  kpi3Baseline?: EcertConfig['kpi3Baseline'];
}

/** Defaults for the embedded hub: fast enough for CI, slow enough that faults are real. */
export const EMBEDDED_DEFAULTS = {
  deliveryTimeoutMs: 400,
  retry: { attempts: 5, baseDelayMs: 20, factor: 2, maxDelayMs: 200 },
  pullWindowMs: 6 * 3_600_000,
  retentionMs: 7 * 24 * 3_600_000,
} as const;
