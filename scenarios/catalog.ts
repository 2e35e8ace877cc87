import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CountryCode, DocumentType } from '../protocol/types.ts';
import type { Lang } from '../protocol/i18n.ts';
import type { CountryProfile, Localized } from '../fixtures/profile.ts';
import { VARIANTS } from '../fixtures/variants.ts';
import { partnersOf } from './select.ts';
import { CASE_CATEGORIES, CATEGORY_CODES, type CaseCategory, type CaseDefinition, type CatalogCase, type SelectionContext, type Step } from './types.ts';

// The catalog: every case module under scenarios/cases/, expanded for every country profile of
// the run. Expansion is deterministic: the same profiles give the same case ids, partners and
// documents, so a case id names the same test in every run and every report.

const CASES_DIR = path.join(import.meta.dirname, 'cases');

/** The default flow of a case that declares no steps: issue → exchange → verify → accept. */
export const DEFAULT_STEPS: readonly Step[] = [
  { do: 'issue' },
  { do: 'submit' },
  { do: 'receive' },
  { do: 'decide' },
  { do: 'await', status: 'terminal' },
];

export interface LoadedDefinition {
  definition: CaseDefinition;
  /** Path relative to the repository root. */
  source: string;
}

function* walk(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield full;
  }
}

/** Load every case module (default export of defineCase) from the cases folder. */
export async function loadDefinitions(dir: string = CASES_DIR): Promise<LoadedDefinition[]> {
  const out: LoadedDefinition[] = [];
  const seen = new Map<string, string>();
  for (const file of walk(dir)) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: CaseDefinition };
    const source = path.relative(path.resolve(import.meta.dirname, '..'), file);
    if (!mod.default) throw new Error(`${source}: a case module must default-export defineCase({...})`);
    const def = mod.default;
    const clash = seen.get(def.id);
    if (clash) throw new Error(`case id ${def.id} is defined twice: ${clash} and ${source}`);
    seen.set(def.id, source);
    out.push({ definition: def, source });
  }
  // Catalog order: standard, bad signature, expired document, connection failure; then by number.
  const order = (d: CaseDefinition) => CASE_CATEGORIES.indexOf(d.category);
  return out.sort((a, b) => order(a.definition) - order(b.definition) || a.definition.id.localeCompare(b.definition.id));
}

/** A stable small number from a string (FNV-1a), for rotating partners deterministically. */
function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** HS subheadings used for each pilot heading, rotated across cases for variety. */
const SUBHEADINGS: Record<string, string[]> = {
  '0813': ['081310', '081320', '081330', '081340', '081350'],
  '8516': ['851629', '851621'],
};

function pairDocumentType(sender: CountryProfile, recipient: CountryProfile, rotation: number): DocumentType {
  const agreed = sender.documents.perPartner?.[recipient.code] ?? recipient.documents.perPartner?.[sender.code];
  const candidates = (agreed ?? sender.documents.issues).filter((t) => recipient.documents.accepts.includes(t) || agreed);
  if (candidates.includes('coc') && (rotation % 3 !== 2 || !candidates.includes('tr'))) return 'coc';
  return candidates[0] ?? sender.documents.issues[0] ?? 'coc';
}

function pairHsCode(sender: CountryProfile, recipient: CountryProfile, rotation: number): string {
  // The multilateral product (0813) unless the pair only shares another heading.
  const shared = sender.products.filter((h) => recipient.products.includes(h));
  const heading = shared.includes('0813') ? '0813' : (shared[0] ?? sender.products[0] ?? '0813');
  const subs = SUBHEADINGS[heading] ?? [`${heading}00`];
  return subs[rotation % subs.length]!;
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

function localizeTitle(title: Localized, country: CountryProfile, partner: CountryProfile): Localized {
  const name = (p: CountryProfile, lang: Lang) => p.name[lang];
  return {
    en: fill(title.en, { country: name(country, 'en'), partner: name(partner, 'en') }),
    ru: fill(title.ru, { country: name(country, 'ru'), partner: name(partner, 'ru') }),
  };
}

export interface ExpandOptions {
  /** Countries to build cases for (default: all profiles). Partners are always drawn from all profiles. */
  countries?: readonly CountryCode[];
}

/** Expand definitions for every profile. Profiles are the whole federation; `countries` selects whose cases. */
export function expandCatalog(defs: readonly LoadedDefinition[], profiles: readonly CountryProfile[], options: ExpandOptions = {}): CatalogCase[] {
  const byCode = new Map(profiles.map((p) => [p.code, p]));
  const selected = [...profiles].filter((p) => !options.countries || options.countries.includes(p.code)).sort((a, b) => a.code.localeCompare(b.code));
  const cases: CatalogCase[] = [];
  for (const profile of selected) {
    const ctx: SelectionContext = { profile, profiles };
    for (const { definition: def, source } of defs) {
      if (def.applies && !def.applies(ctx)) continue;
      const direction = typeof def.direction === 'function' ? def.direction(ctx) : (def.direction ?? 'outbound');
      const candidates = typeof def.partners === 'function' ? def.partners(ctx) : partnersOf(ctx);
      if (candidates.length === 0) continue;
      const rotation = stableHash(`${def.id}/${profile.code}`);
      const chosen = def.partners === 'each' ? candidates : [candidates[rotation % candidates.length]!];
      for (const partnerCode of chosen) {
        const partner = byCode.get(partnerCode);
        if (!partner) throw new Error(`case ${def.id}: partner ${partnerCode} has no profile`);
        const [sender, recipient] = direction === 'outbound' ? [profile, partner] : [partner, profile];
        const variant = def.document.variant ?? 'genuine';
        const type = def.document.type ?? pairDocumentType(sender, recipient, rotation);
        const hsCode = def.document.hsCode ?? pairHsCode(sender, recipient, rotation);
        const id = `${profile.code}-${def.id}${def.partners === 'each' ? `-${partnerCode}` : ''}`;
        const tags = [...(def.tags ?? []), `track-${sender.track}-to-${recipient.track}`, direction, `variant:${variant}`];
        cases.push({
          id,
          country: profile.code,
          partner: partnerCode,
          sender: sender.code,
          recipient: recipient.code,
          category: def.category,
          title: localizeTitle(def.title, profile, partner),
          requirement: def.requirement,
          ...(def.rationale ? { rationale: def.rationale } : {}),
          tags,
          needs: [...(def.needs ?? [])],
          document: { type, hsCode, variant, ...(def.document.qr !== undefined ? { qr: def.document.qr } : {}) },
          faults: [...(def.faults ?? [])],
          steps: [...(def.steps ?? DEFAULT_STEPS)],
          expect: def.expect,
          source,
        });
      }
    }
  }
  return cases;
}

/** Problems in a definition that would make its verdict meaningless (checked by the catalog test). */
export function definitionProblems(def: CaseDefinition): string[] {
  const problems: string[] = [];
  const variant = VARIANTS[def.document.variant ?? 'genuine'];
  if (!def.id.startsWith(`${CATEGORY_CODES[def.category]}-`)) problems.push(`${def.id}: id prefix does not match category ${def.category}`);
  if (variant.genuine && def.expect.oracle !== 'valid') problems.push(`${def.id}: genuine document but oracle expects ${def.expect.oracle}`);
  if (!variant.genuine) {
    if (def.expect.oracle !== variant.expectedReasonCode) problems.push(`${def.id}: oracle ${def.expect.oracle} differs from the variant's ${variant.expectedReasonCode}`);
    if (def.expect.hub.status !== 'Rejected') problems.push(`${def.id}: a bad document must end Rejected at the hub`);
    if (def.expect.hub.reasonCode !== variant.expectedReasonCode) problems.push(`${def.id}: hub reason ${def.expect.hub.reasonCode} differs from the variant's ${variant.expectedReasonCode}`);
    if (def.expect.recipient !== 'not-delivered') problems.push(`${def.id}: a rejected document must never reach the recipient`);
  }
  if (!def.title.en.trim() || !def.title.ru.trim()) problems.push(`${def.id}: title needs English and Russian`);
  if (def.requirement.en === def.requirement.ru) problems.push(`${def.id}: Russian requirement is a copy of the English one`);
  if (def.title.en === def.title.ru) problems.push(`${def.id}: Russian title is a copy of the English one`);
  return problems;
}

export interface CaseFilter {
  countries?: readonly CountryCode[];
  categories?: readonly CaseCategory[];
  /** Glob over case ids (`*` and `?`), several separated by commas. */
  pattern?: string;
  tags?: readonly string[];
  ids?: ReadonlySet<string>;
}

export function globToRegExp(glob: string): RegExp {
  const alternatives = glob.split(',').map((g) => g.trim()).filter(Boolean).map((g) => g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.'));
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
}

export function filterCases(cases: readonly CatalogCase[], filter: CaseFilter): CatalogCase[] {
  const re = filter.pattern ? globToRegExp(filter.pattern) : null;
  return cases.filter(
    (c) =>
      (!filter.countries || filter.countries.includes(c.country)) &&
      (!filter.categories || filter.categories.includes(c.category)) &&
      (!re || re.test(c.id)) &&
      (!filter.tags || filter.tags.every((t) => c.tags.includes(t))) &&
      (!filter.ids || filter.ids.has(c.id)),
  );
}
