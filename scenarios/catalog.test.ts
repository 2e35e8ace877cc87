import { describe, expect, it } from 'vitest';
import { defineProfile } from '../fixtures/profile.ts';
import { loadProfiles } from '../fixtures/profiles/index.ts';
import { VARIANTS, type VariantInfo } from '../fixtures/variants.ts';
import { definitionProblems, expandCatalog, filterCases, globToRegExp, loadDefinitions } from './catalog.ts';
import { expandPilot } from './pilot.ts';
import { CASE_CATEGORIES } from './types.ts';

const defs = await loadDefinitions();
const profiles = loadProfiles();
const catalog = expandCatalog(defs, profiles);

describe('scenario catalog', () => {
  it('has at least five cases of every category for every country (pilot activity C.3)', () => {
    for (const p of profiles) {
      for (const category of CASE_CATEGORIES) {
        const n = catalog.filter((c) => c.country === p.code && c.category === category).length;
        expect(n, `${p.code} ${category}`).toBeGreaterThanOrEqual(5);
      }
    }
  });

  it('makes every ordered country pair exchange in the standard cases, on both tracks', () => {
    const pairs = new Set(catalog.filter((c) => c.category === 'standard').map((c) => `${c.sender}>${c.recipient}`));
    for (const a of profiles) for (const b of profiles) if (a !== b) expect(pairs, `${a.code} -> ${b.code}`).toContain(`${a.code}>${b.code}`);
    const tracks = new Set(catalog.filter((c) => c.category === 'standard').flatMap((c) => c.tags.filter((t) => t.startsWith('track-'))));
    expect(tracks).toEqual(new Set(['track-A-to-A', 'track-A-to-B', 'track-B-to-A', 'track-B-to-B']));
  });

  it('covers both document types, both pilot products, QR and registry verification', () => {
    const std = catalog.filter((c) => c.category === 'standard');
    expect(new Set(std.map((c) => c.document.type))).toEqual(new Set(['coc', 'tr']));
    expect(new Set(std.map((c) => c.document.hsCode.slice(0, 4)))).toEqual(new Set(['0813', '8516']));
    // HS 8516 heaters travel only between Pakistan and Uzbekistan (bilateral in the pilot).
    for (const c of std.filter((x) => x.document.hsCode.startsWith('8516'))) expect([c.sender, c.recipient].sort()).toEqual(['PK', 'UZ']);
    expect(std.some((c) => c.tags.includes('qr'))).toBe(true);
    expect(std.some((c) => c.tags.includes('registry') && c.document.qr === false && c.recipient === 'KG')).toBe(true);
  });

  it('gives every case a unique stable id of the documented form', () => {
    const ids = catalog.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Z]{2}-(STD|SIG|EXP|NET)-\d{2}(-[A-Z]{2})?$/);
    // Stable: expanding again gives the same cases with the same partners.
    expect(expandCatalog(defs, profiles).map((c) => `${c.id}:${c.sender}>${c.recipient}:${c.document.type}:${c.document.hsCode}`)).toEqual(
      catalog.map((c) => `${c.id}:${c.sender}>${c.recipient}:${c.document.type}:${c.document.hsCode}`),
    );
  });

  it('has consistent definitions: a bad document expects exactly its variant reason, at the hub and by the oracle', () => {
    for (const { definition } of defs) expect(definitionProblems(definition), definition.id).toEqual([]);
    const negative = catalog.filter((c) => c.category === 'bad-signature' || (c.category === 'expired-document' && c.expect.hub.status === 'Rejected'));
    for (const c of negative) {
      const variant: VariantInfo = VARIANTS[c.document.variant];
      expect(variant.genuine, c.id).toBe(false);
      expect(c.expect.hub.reasonCode, c.id).toBe(variant.expectedReasonCode);
    }
  });

  it('detects an inconsistent definition', () => {
    const bad = { ...defs[0]!.definition, id: 'SIG-99', category: 'bad-signature' as const, document: { variant: 'byte-flip' as const } };
    expect(definitionProblems(bad)).toEqual(
      expect.arrayContaining([expect.stringContaining('oracle valid differs'), expect.stringContaining('must end Rejected'), expect.stringContaining('never reach')]),
    );
  });

  it('puts delivery faults only on push recipients', () => {
    const push = new Set(profiles.filter((p) => p.track === 'A').map((p) => p.code));
    for (const c of catalog.filter((x) => x.faults.some((f) => f.party === 'recipient' && f.fault !== 'offline'))) expect(push.has(c.recipient), c.id).toBe(true);
  });

  it('takes a new country with one profile file and no other change', () => {
    const kz = defineProfile({ ...profiles.find((p) => p.code === 'KG')!, code: 'KZ', name: { en: 'Kazakhstan', ru: 'Казахстан' }, track: 'A' });
    const grown = expandCatalog(defs, [...profiles, kz]);
    for (const category of CASE_CATEGORIES) expect(grown.filter((c) => c.country === 'KZ' && c.category === category).length).toBeGreaterThanOrEqual(5);
    expect(grown.some((c) => c.sender === 'UZ' && c.recipient === 'KZ' && c.category === 'standard')).toBe(true);
  });

  it('filters by country, category, id pattern and tag', () => {
    expect(filterCases(catalog, { countries: ['KG'], categories: ['bad-signature'] }).every((c) => c.country === 'KG' && c.category === 'bad-signature')).toBe(true);
    expect(filterCases(catalog, { pattern: 'UZ-SIG-0?' }).map((c) => c.id)).toEqual(['UZ-SIG-01', 'UZ-SIG-02', 'UZ-SIG-03', 'UZ-SIG-04', 'UZ-SIG-05', 'UZ-SIG-06', 'UZ-SIG-07', 'UZ-SIG-08', 'UZ-SIG-09']);
    expect(globToRegExp('uz-std-*,KG-NET-01').test('KG-NET-01')).toBe(true);
    expect(filterCases(catalog, { tags: ['qr'] }).every((c) => c.tags.includes('qr'))).toBe(true);
  });

  it('plans a pilot of N genuine exchanges for every ordered pair', () => {
    const pilot = expandPilot(profiles, 10);
    expect(pilot).toHaveLength(profiles.length * (profiles.length - 1) * 10);
    expect(pilot.every((c) => c.document.variant === 'genuine' && c.expect.hub.status === 'Accepted')).toBe(true);
    expect(new Set(pilot.map((c) => c.id)).size).toBe(pilot.length);
  });
});
