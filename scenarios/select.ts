import type { CountryCode } from '../protocol/types.ts';
import type { SelectionContext } from './types.ts';

// Partner-selection helpers used by case definitions. Deterministic: they depend only on the
// set of profiles in the run, never on chance.

export function partnersOf(ctx: SelectionContext): CountryCode[] {
  return ctx.profiles.map((p) => p.code).filter((c) => c !== ctx.profile.code).sort();
}

/** Partners whose nodes receive by push (track A): the ones a push-delivery fault can hit. */
export function pushPartners(ctx: SelectionContext): CountryCode[] {
  return partnersOf(ctx).filter((c) => ctx.profiles.find((p) => p.code === c)?.track === 'A');
}

/** Partners that verify a document without QR code by registry lookup. */
export function registryPartners(ctx: SelectionContext): CountryCode[] {
  return partnersOf(ctx).filter((c) => {
    const p = ctx.profiles.find((x) => x.code === c);
    return p?.trust.whenNoQr === 'registry' || p?.trust.checks.includes('registry');
  });
}

/** Partners that check the QR code of what they receive. */
export function qrPartners(ctx: SelectionContext): CountryCode[] {
  return partnersOf(ctx).filter((c) => ctx.profiles.find((p) => p.code === c)?.trust.checks.includes('qr'));
}

/** Partners that accept test reports from this country. */
export function trPartners(ctx: SelectionContext): CountryCode[] {
  if (!ctx.profile.documents.issues.includes('tr')) return [];
  return partnersOf(ctx).filter((c) => {
    const p = ctx.profiles.find((x) => x.code === c);
    const agreed = ctx.profile.documents.perPartner?.[c] ?? p?.documents.perPartner?.[ctx.profile.code];
    return (agreed ?? p?.documents.accepts ?? []).includes('tr');
  });
}

/** A country is a push recipient itself (track A): then faults hit it as recipient. */
export const receivesByPush = (ctx: SelectionContext): boolean => ctx.profile.track === 'A';

/**
 * For delivery faults: the country receives (inbound) when it is a push recipient; a track-B
 * country sends to a track-A partner, whose callback the fault hits.
 */
export const pushFaultDirection = (ctx: SelectionContext): 'inbound' | 'outbound' => (receivesByPush(ctx) ? 'inbound' : 'outbound');

export const pushFaultPartners = (ctx: SelectionContext): CountryCode[] => (receivesByPush(ctx) ? partnersOf(ctx) : pushPartners(ctx));

/** Partners this country exchanges certificates of conformity with (validity-window cases need a CoC). */
export function cocPartners(ctx: SelectionContext): CountryCode[] {
  return partnersOf(ctx).filter((c) => {
    const p = ctx.profiles.find((x) => x.code === c);
    const agreed = ctx.profile.documents.perPartner?.[c] ?? p?.documents.perPartner?.[ctx.profile.code];
    return ctx.profile.documents.issues.includes('coc') && (agreed ?? p?.documents.accepts ?? []).includes('coc');
  });
}
