import { describe, expect, it } from 'vitest';
import { selectCases } from '../selection.ts';
import { definitionId, specFileOf } from './spec-files.ts';

// The grouping decides what can run side by side: a file of one country's connection-failure
// cases would serialise on that country's node lock.

const FEDERATION = ['UZ', 'AZ', 'KG', 'PK', 'TJ'];

describe('spec files', () => {
  it('reads the definition id inside an expanded case id', () => {
    expect(definitionId({ id: 'UZ-NET-03' })).toBe('NET-03');
    expect(definitionId({ id: 'UZ-STD-01-KG' })).toBe('STD-01');
  });

  it('groups connection-failure cases by definition across countries, the rest by country and category', async () => {
    const cases = await selectCases({ federation: FEDERATION, selection: {}, kind: 'catalog' } as never);
    const files = new Map<string, typeof cases>();
    for (const c of cases) files.set(specFileOf(c).file, [...(files.get(specFileOf(c).file) ?? []), c]);
    for (const [file, group] of files) {
      const countries = new Set(group.map((c) => c.country));
      if (group[0]!.category === 'connection-failure') {
        // One case per country: the same fault on different nodes.
        expect(countries.size, file).toBe(group.length);
        expect(new Set(group.map(definitionId)).size, file).toBe(1);
      } else {
        expect(countries.size, file).toBe(1);
        expect(new Set(group.map((c) => c.category)).size, file).toBe(1);
        expect(file).toBe(`${group[0]!.country}-${group[0]!.category}.spec.ts`);
      }
    }
    expect([...files.values()].flat()).toHaveLength(cases.length);
    // Titles name the group, so JUnit suites and Allure paths stay readable.
    expect(specFileOf(cases.find((c) => c.id === 'UZ-NET-03')!).title).toBe('connection-failure · NET-03');
    expect(specFileOf(cases.find((c) => c.id === 'UZ-SIG-03')!).title).toBe('UZ · bad-signature');
  });
});
