import type { CountryCode } from '../protocol/types.ts';
import { partnersOf } from './select.ts';
import type { SelectionContext } from './types.ts';

// Which partners a country trades a pilot product with: both profiles must list the HS heading
// (HS 8516 heaters appear only in the PK and UZ profiles, so the bilateral rule is data).
export function tradesProduct(ctx: SelectionContext, heading: string): CountryCode[] {
  if (!ctx.profile.products.includes(heading)) return [];
  return partnersOf(ctx).filter((c) => ctx.profiles.find((p) => p.code === c)?.products.includes(heading));
}
