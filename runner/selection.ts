import fs from 'node:fs';
import path from 'node:path';
import type { Lang } from '../protocol/i18n.ts';
import { PROFILE_CODES, loadProfiles } from '../fixtures/profiles/index.ts';
import { expandCatalog, filterCases, loadDefinitions } from '../scenarios/catalog.ts';
import { expandPilot } from '../scenarios/pilot.ts';
import { CASE_CATEGORIES, type CaseCategory, type CatalogCase } from '../scenarios/types.ts';
import { UsageError } from './cli/errors.ts';
import { runMessages } from './cli/commands/run.messages.ts';
import { type EcertConfig, type RunConfig, loadConfig } from './config.ts';
import { readResults } from './results.ts';

const t = runMessages.t.bind(runMessages);


// The cases a run executes, computed the same way in the main process (to plan, generate spec
// files and build results) and in the vitest worker (to run them).
export async function selectCases(cfg: Pick<RunConfig, 'federation' | 'selection' | 'kind' | 'perPair'>): Promise<CatalogCase[]> {
  const profiles = await loadProfiles(cfg.federation);
  const countries = cfg.selection.countries ?? cfg.federation;
  const all = cfg.kind === 'pilot' ? expandPilot(profiles, cfg.perPair ?? 10, countries) : expandCatalog(await loadDefinitions(), profiles, { countries });
  return filterCases(all, {
    ...(cfg.selection.categories ? { categories: cfg.selection.categories } : {}),
    ...(cfg.selection.pattern ? { pattern: cfg.selection.pattern } : {}),
    ...(cfg.selection.tags ? { tags: cfg.selection.tags } : {}),
    ...(cfg.selection.ids ? { ids: new Set(cfg.selection.ids) } : {}),
  });
}

export interface RunRequest {
  cwd: string;
  configFile?: string;
  hubUrl?: string;
  countries?: string[];
  categories?: string[];
  pattern?: string;
  tags?: string[];
  seed?: string;
  out?: string;
  rerunFailed?: string;
  shard?: string;
  json?: boolean;
  defects?: string[];
  concurrency?: number;
  kind: 'catalog' | 'pilot';
  perPair?: number;
}

export function splitList(values: readonly string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const out = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

/** The case selection of a request (countries, categories, pattern, tags, rerun): no side effects. */
export async function resolveSelection(req: RunRequest, lang: Lang, loaded?: EcertConfig): Promise<Pick<RunConfig, 'federation' | 'selection' | 'kind' | 'perPair'>> {
  const config = loaded ?? (await loadConfig(req.cwd, req.configFile, lang)).config;
  const federation = [...PROFILE_CODES];
  const countries = splitList(req.countries)?.map((c) => c.toUpperCase()) ?? config.countries;
  for (const code of countries ?? []) {
    if (!federation.includes(code)) throw new UsageError(t(lang, 'error.unknownCountry', { code, known: federation.join(', ') }));
  }
  const categories = splitList(req.categories);
  for (const category of categories ?? []) {
    if (!(CASE_CATEGORIES as readonly string[]).includes(category)) throw new UsageError(t(lang, 'error.unknownCategory', { category, known: CASE_CATEGORIES.join(', ') }));
  }
  let ids: string[] | undefined;
  if (req.rerunFailed) {
    const dir = path.resolve(req.cwd, req.rerunFailed);
    if (!fs.existsSync(path.join(dir, 'results.json'))) throw new UsageError(t(lang, 'error.rerunMissing', { dir }), t(lang, 'error.rerunMissing.hint'));
    const previous = readResults(dir);
    ids = previous.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => c.id);
    if (ids.length === 0) throw new UsageError(t(lang, 'error.rerunNothing', { dir }));
  }
  const tags = splitList(req.tags);
  return {
    federation,
    kind: req.kind,
    ...(req.perPair ? { perPair: req.perPair } : {}),
    selection: {
      ...(countries ? { countries } : {}),
      ...(categories ? { categories: categories as CaseCategory[] } : {}),
      ...(req.pattern ? { pattern: req.pattern } : {}),
      ...(tags ? { tags } : {}),
      ...(ids ? { ids } : {}),
    },
  };
}

