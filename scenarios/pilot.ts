import type { CountryProfile } from '../fixtures/profile.ts';
import { DEFAULT_STEPS } from './catalog.ts';
import type { CatalogCase } from './types.ts';

// The pilot simulation (ecert pilot): N genuine exchanges for every ordered pair of countries,
// run through the same engine as the catalog, for KPI-1 (exchange counts), KPI-2 and KPI-3.
// Document types and products follow each pair's agreement, rotating through what is allowed.

export function expandPilot(profiles: readonly CountryProfile[], perPair: number, countries?: readonly string[]): CatalogCase[] {
  const out: CatalogCase[] = [];
  const senders = profiles.filter((p) => !countries || countries.includes(p.code)).sort((a, b) => a.code.localeCompare(b.code));
  for (const sender of senders) {
    // Every ordered pair of the countries asked for (all profiles when none are named).
    for (const recipient of [...profiles].filter((p) => !countries || countries.includes(p.code)).sort((a, b) => a.code.localeCompare(b.code))) {
      if (recipient.code === sender.code) continue;
      const agreed = sender.documents.perPartner?.[recipient.code] ?? recipient.documents.perPartner?.[sender.code];
      const types = (agreed ?? sender.documents.issues.filter((t) => recipient.documents.accepts.includes(t))).filter(Boolean);
      const docTypes = types.length ? types : (['coc'] as const);
      const shared = sender.products.filter((h) => recipient.products.includes(h));
      const headings = shared.length ? shared : ['0813'];
      for (let i = 1; i <= perPair; i++) {
        const heading = headings[(i - 1) % headings.length]!;
        const hsCode = heading === '0813' ? ['081310', '081320', '081330', '081340', '081350'][(i - 1) % 5]! : heading === '8516' ? '851629' : `${heading}00`;
        out.push({
          id: `${sender.code}-PIL-${String(i).padStart(2, '0')}-${recipient.code}`,
          country: sender.code,
          partner: recipient.code,
          sender: sender.code,
          recipient: recipient.code,
          category: 'standard',
          title: {
            en: `Pilot exchange ${i} of ${perPair}: ${sender.name.en} → ${recipient.name.en}`,
            ru: `Пилотный обмен ${i} из ${perPair}: ${sender.name.ru} → ${recipient.name.ru}`,
          },
          requirement: {
            en: 'D.1 pilot operation: exchanges per country pair (KPI-1), verification success (KPI-2), processing time (KPI-3)',
            ru: 'D.1, пилотная эксплуатация: обмены по парам стран (KPI-1), успешность проверки (KPI-2), время обработки (KPI-3)',
          },
          tags: ['pilot', `track-${sender.track}-to-${recipient.track}`],
          needs: [],
          document: { type: docTypes[(i - 1) % docTypes.length]!, hsCode, variant: 'genuine' },
          faults: [],
          steps: [...DEFAULT_STEPS],
          expect: { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' } },
          source: 'scenarios/pilot.ts',
        });
      }
    }
  }
  return out;
}
