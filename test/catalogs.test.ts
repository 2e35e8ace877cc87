import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { LANGS } from '../protocol/i18n.ts';

// Every message of every catalog, in every language, is valid ICU (a stray brace would only fail
// when that message is shown, in the field), and the Russian catalog is really Russian.

const ROOT = path.resolve(import.meta.dirname, '..');
const ROOMS = ['protocol', 'fixtures', 'mock-nodes', 'reference-hub', 'scenarios', 'runner', 'reports'];

function* files(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'out') continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(full);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && fs.readFileSync(full, 'utf8').includes('defineCatalog(')) yield full;
  }
}

interface CatalogLike {
  keys: readonly string[];
  message(lang: 'en' | 'ru', key: string): string;
}

const catalogs: Array<[string, CatalogLike]> = [];
for (const room of ROOMS) {
  for (const file of files(path.join(ROOT, room))) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (value && typeof value === 'object' && 'keys' in value && 'message' in value) catalogs.push([`${path.relative(ROOT, file)}:${name}`, value as CatalogLike]);
    }
  }
}

describe('message catalogs', () => {
  it('are found in every room that talks to users', () => {
    expect(catalogs.length).toBeGreaterThan(15);
  });

  for (const [name, catalog] of catalogs) {
    it(`${name}: every message parses in every language`, () => {
      for (const lang of LANGS) {
        for (const key of catalog.keys) {
          const message = catalog.message(lang, key);
          expect(() => new IntlMessageFormat(message, lang, undefined, { ignoreTag: true }), `${lang} ${key}: ${message}`).not.toThrow();
        }
      }
    });

    it(`${name}: the Russian texts are Russian`, () => {
      const untranslated = catalog.keys.filter((key) => {
        const en = catalog.message('en', key);
        const ru = catalog.message('ru', key);
        // Identical text is fine only for identifiers, codes and formats (no letters a Russian reader would read).
        return /[a-z]{4,}/i.test(en.replace(/\{[^}]*\}/g, '')) && (ru === en || !/[а-яё]/i.test(ru));
      });
      expect(untranslated).toEqual([]);
    });
  }
});
