import { loadProfiles } from '../fixtures/profiles/index.ts';
import { expandCatalog, filterCases, loadDefinitions } from '../scenarios/catalog.ts';
import { expandPilot } from '../scenarios/pilot.ts';
import type { CatalogCase } from '../scenarios/types.ts';
import type { RunConfig } from './config.ts';

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
