import type { CatalogCase } from '../../scenarios/types.ts';

// Which generated spec file a case runs in. Spec files are vitest's unit of sequencing and of
// sharding: the one worker runs them one after another, and the cases of a file side by side.
//
// Most cases go by (country, category). A connection-failure case faults its own country's node
// and so holds that node exclusively: one country's fault cases can only run in turn, and a file
// of them would leave the worker idle on timers. They are grouped by definition instead (UZ-NET-03,
// AZ-NET-03, ... in one file), so the same fault on five different nodes runs side by side.

export interface SpecFile {
  /** File name, unique within a run; also the key the suite filters its cases by. */
  file: string;
  /** The describe block's title (JUnit test suite, Allure suite path). */
  title: string;
}

/** The definition id inside an expanded case id: UZ-NET-03 → NET-03, UZ-STD-01-KG → STD-01. */
export function definitionId(c: Pick<CatalogCase, 'id'>): string {
  return c.id.split('-').slice(1, 3).join('-');
}

export function specFileOf(c: Pick<CatalogCase, 'id' | 'country' | 'category'>): SpecFile {
  if (c.category === 'connection-failure') {
    const def = definitionId(c);
    return { file: `${c.category}-${def}.spec.ts`, title: `${c.category} · ${def}` };
  }
  return { file: `${c.country}-${c.category}.spec.ts`, title: `${c.country} · ${c.category}` };
}
