import { IntlMessageFormat } from 'intl-messageformat';

// Message catalogs. Every room keeps its user-facing text in a catalog made with
// defineCatalog(en, ru): the Russian catalog must have exactly the English keys (a missing or
// extra key is a type error), values are ICU messages ("{count, plural, one {# case} few {# случая}
// many {# случаев} other {# случая}}"), and reason codes stay untranslated identifiers.

export type Lang = 'en' | 'ru';
export const LANGS: readonly Lang[] = ['en', 'ru'];

export type MessageParams = Record<string, string | number | Date | boolean | null | undefined>;

export interface Catalog<K extends string> {
  readonly keys: readonly K[];
  /** The raw ICU message. */
  message(lang: Lang, key: K): string;
  t(lang: Lang, key: K, params?: MessageParams): string;
  has(key: string): key is K;
}

export function defineCatalog<const E extends Record<string, string>>(
  en: E,
  // A fresh object literal gets excess-property checks, so extra Russian keys are errors too.
  ru: { readonly [P in keyof E]: string },
): Catalog<Extract<keyof E, string>> {
  type K = Extract<keyof E, string>;
  const sources: Record<Lang, Record<string, string>> = { en, ru: ru as Record<string, string> };
  const cache = new Map<string, IntlMessageFormat>();
  const keys = Object.keys(en) as K[];
  return {
    keys,
    message: (lang, key) => sources[lang][key] ?? sources.en[key] ?? key,
    has: (key: string): key is K => Object.hasOwn(en, key),
    t(lang, key, params) {
      const id = `${lang}\u0000${key}`;
      let fmt = cache.get(id);
      if (!fmt) {
        fmt = new IntlMessageFormat(this.message(lang, key), lang, undefined, { ignoreTag: true });
        cache.set(id, fmt);
      }
      const cleaned: Record<string, string | number | Date | boolean> = {};
      for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== null) cleaned[k] = v;
      return String(fmt.format(cleaned));
    },
  };
}

/** The language a tag or locale names ("ru", "ru_RU.UTF-8", "en-GB"), if it is one the harness speaks. */
export function langOfTag(tag: string): Lang | undefined {
  const lower = tag.trim().toLowerCase();
  if (lower.startsWith('ru')) return 'ru';
  if (lower.startsWith('en')) return 'en';
  return undefined;
}

/** Language from an explicit option, then ECERT_LANG, then the POSIX locale; English otherwise. */
export function resolveLang(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): Lang {
  for (const candidate of [explicit, env.ECERT_LANG, env.LC_ALL, env.LC_MESSAGES, env.LANG]) {
    if (!candidate) continue;
    const lang = langOfTag(candidate);
    if (lang) return lang;
    if (candidate === explicit || candidate === env.ECERT_LANG) return 'en';
  }
  return 'en';
}

export function isLang(value: string): value is Lang {
  return (LANGS as readonly string[]).includes(value);
}
