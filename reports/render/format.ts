import type { Lang } from '../../protocol/i18n.ts';
import type { Interval } from '../kpi/stats.ts';
import { reportMessages } from '../report.messages.ts';

// Numbers, times and lists as a reader of each language expects them.

export interface Formatter {
  lang: Lang;
  /** A rate as a percentage with one decimal; "no data" for null. */
  pct(rate: number | null): string;
  /** "92.5–99.1 %"; "no data" for null. */
  interval(ci: Interval | null): string;
  int(n: number): string;
  /** A duration in the largest sensible units. */
  duration(ms: number | null): string;
  /** ISO time as "2026-03-02 08:00:00 UTC" (the same in both languages: a time stamp, not prose). */
  time(iso: string | undefined): string;
  /** 1,2,3,7,9,10 -> "1–3, 7, 9–10". */
  ranges(values: readonly number[]): string;
}

/** Percent values are floored to one decimal so that 94.97 % never reads as 95.0 %. */
const floor1 = (x: number): number => Math.floor(x * 1000 + 1e-9) / 1000;

export function formatter(lang: Lang): Formatter {
  const plain = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const integer = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  const t = (key: Parameters<typeof reportMessages.t>[1], params?: Record<string, string | number>) => reportMessages.t(lang, key, params);
  const noData = t('word.noData');
  return {
    lang,
    // SI style in both languages: a (no-break) space before the % sign, as the targets are written.
    pct: (rate) => (rate === null ? noData : `${plain.format(floor1(rate) * 100)}\u00a0%`),
    interval: (ci) => (ci === null ? noData : `${plain.format(floor1(ci.low) * 100)}–${plain.format((Math.ceil(ci.high * 1000 - 1e-9) / 1000) * 100)}\u00a0%`),
    int: (n) => integer.format(n),
    duration(ms) {
      if (ms === null) return noData;
      const s = ms / 1000;
      if (ms < 1000) return t('unit.ms', { n: Math.round(ms) });
      if (s < 60) return t('unit.s', { n: plain.format(s) });
      const total = Math.round(s);
      if (total < 3600) return total % 60 ? t('unit.min', { m: Math.floor(total / 60), s: total % 60 }) : t('unit.minOnly', { m: total / 60 });
      if (total < 86400) {
        const m = Math.floor((total % 3600) / 60);
        return m ? t('unit.h', { h: Math.floor(total / 3600), m }) : t('unit.hOnly', { h: Math.floor(total / 3600) });
      }
      return t('unit.d', { d: Math.floor(total / 86400), h: Math.floor((total % 86400) / 3600) });
    },
    time: (iso) => (iso ? `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC` : noData),
    ranges(values) {
      const out: string[] = [];
      let start: number | undefined;
      let prev: number | undefined;
      for (const v of [...values, Number.NaN]) {
        if (prev !== undefined && v === prev + 1) {
          prev = v;
          continue;
        }
        if (start !== undefined) out.push(start === prev ? String(start) : `${start}–${prev}`);
        start = v;
        prev = v;
      }
      return out.join(', ');
    },
  };
}
