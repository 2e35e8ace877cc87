import { defineCatalog } from './i18n.ts';

// Messages of the trust registry (protocol/trust.ts): loading errors a tester must be able to act on.
export const trustMessages = defineCatalog(
  {
    unreadable: 'Cannot read the trust registry {source}: {error}',
    notJson: 'The trust registry {source} is not valid JSON: {error}',
    invalid: 'The trust registry {source} is not valid ({count, plural, one {# problem} other {# problems}}): {problems}',
    badCertificate: '{path} is not a readable certificate: {error}',
    keyIdMismatch: '{path} says keyId {keyId}, but the certificate gives {expected}',
    duplicateSigner: '{path}: signer {keyId} is listed more than once',
    unknownKey: 'No signer with key id {keyId} in the trust registry',
    unknownCountry: 'The trust registry has no country {country}',
    hint: 'Fix the file, or write a fresh one with `ecert doc issue --out DIR` (it writes DIR/trust.json). The trust.json format is described in the README.',
  },
  {
    unreadable: 'Не удалось прочитать реестр доверия {source}: {error}',
    notJson: 'Реестр доверия {source} не является корректным JSON: {error}',
    invalid: 'Реестр доверия {source} некорректен ({count, plural, one {# ошибка} few {# ошибки} many {# ошибок} other {# ошибки}}): {problems}',
    badCertificate: '{path} — нечитаемый сертификат: {error}',
    keyIdMismatch: 'В {path} указан keyId {keyId}, но по сертификату получается {expected}',
    duplicateSigner: '{path}: подписант {keyId} указан более одного раза',
    unknownKey: 'В реестре доверия нет подписанта с идентификатором ключа {keyId}',
    unknownCountry: 'В реестре доверия нет страны {country}',
    hint: 'Исправьте файл или создайте новый командой `ecert doc issue --out DIR` (она записывает DIR/trust.json). Формат trust.json описан в README.',
  },
);
