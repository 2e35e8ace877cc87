import type { Localized } from '../fixtures/profile.ts';

// Defect switches: each one a realistic way a hub can fail conformance. None is active unless
// asked for. The runner's sensitivity self-test iterates DEFECTS and asserts that the harness goes
// red on each; `detectedBy` names the scenario categories expected to catch it.

export interface DefectInfo {
  name: string;
  description: Localized;
  /** The conformance rule of protocol/openapi.yaml (and issue 3) the defect breaks. */
  breaks: { rule: string; text: Localized };
  /** Scenario categories (or harness checks) expected to go red. */
  detectedBy: string[];
}

export const DEFECTS = [
  {
    name: 'accept-tampered',
    description: {
      en: 'Skips the file-integrity check on ingest and in the verify service: a PDF changed after signing, or not matching the envelope hash, is accepted.',
      ru: 'Пропускает проверку целостности файла при приёме и в сервисе проверки: PDF, изменённый после подписания или не совпадающий с хешем конверта, принимается.',
    },
    breaks: {
      rule: 'HUB-VERIFY-FILE-INTEGRITY',
      text: { en: 'The hub verifies file integrity on ingest and rejects with the verifier\u2019s reason code.', ru: 'Хаб проверяет целостность файла при приёме и отклоняет документ с кодом причины верификатора.' },
    },
    detectedBy: ['bad-signature'],
  },
  {
    name: 'skip-registry-check',
    description: {
      en: 'Does not look the signer up in the key registry: unregistered keys, keys without a chain to the country\u2019s anchor, another country\u2019s key and a wrong key id are accepted.',
      ru: 'Не ищет подписанта в реестре ключей: принимаются незарегистрированные ключи, ключи без цепочки к корню страны, ключ другой страны и неверный идентификатор ключа.',
    },
    breaks: {
      rule: 'HUB-VERIFY-REGISTRY',
      text: { en: 'The signer certificate must be registered for the issuing country and chain to its anchor.', ru: 'Сертификат подписанта должен быть зарегистрирован за страной выдачи и иметь цепочку к её корневому сертификату.' },
    },
    detectedBy: ['bad-signature'],
  },
  {
    name: 'ignore-revocation',
    description: {
      en: 'Ignores the revocation status of signer certificates in the registry: documents signed with a revoked key are accepted.',
      ru: 'Не учитывает отзыв сертификатов подписантов в реестре: документы, подписанные отозванным ключом, принимаются.',
    },
    breaks: {
      rule: 'HUB-VERIFY-REVOCATION',
      text: { en: 'A document signed with a revoked key is rejected with SIGNER_REVOKED.', ru: 'Документ, подписанный отозванным ключом, отклоняется с кодом SIGNER_REVOKED.' },
    },
    detectedBy: ['bad-signature'],
  },
  {
    name: 'ignore-expiry',
    description: {
      en: 'Skips the validity check: expired and not-yet-valid documents, and signer certificates outside their validity at signing, are accepted.',
      ru: 'Пропускает проверку сроков действия: принимаются просроченные и ещё не действующие документы, а также подписи сертификатами вне срока их действия.',
    },
    breaks: {
      rule: 'HUB-VERIFY-VALIDITY',
      text: { en: 'The hub rejects documents outside their validity window with the validity reason codes.', ru: 'Хаб отклоняет документы вне срока действия с кодами причин проверки сроков.' },
    },
    detectedBy: ['expired-document'],
  },
  {
    name: 'skip-metadata-check',
    description: {
      en: 'Skips the metadata-integrity check: an envelope whose metadata differs from the signed copy inside the PDF, or breaks the schema, is accepted.',
      ru: 'Пропускает проверку целостности метаданных: принимается конверт, метаданные которого расходятся с подписанной копией в PDF или нарушают схему.',
    },
    breaks: {
      rule: 'HUB-VERIFY-METADATA',
      text: { en: 'The envelope\u2019s metadata must equal the metadata signed inside the PDF.', ru: 'Метаданные конверта должны совпадать с метаданными, подписанными внутри PDF.' },
    },
    detectedBy: ['bad-signature'],
  },
  {
    name: 'wrong-reason-code',
    description: {
      en: 'Rejects bad documents, but with one generic reason code (VERIFICATION_FAILED) instead of the verifier\u2019s specific code.',
      ru: 'Отклоняет недействительные документы, но с одним общим кодом причины (VERIFICATION_FAILED) вместо конкретного кода верификатора.',
    },
    breaks: {
      rule: 'HUB-REASON-CODES',
      text: { en: 'Rejections carry the same stable reason codes as `ecert verify`.', ru: 'Отклонения несут те же стабильные коды причин, что и `ecert verify`.' },
    },
    detectedBy: ['bad-signature', 'expired-document'],
  },
  {
    name: 'ignore-idempotency',
    description: {
      en: 'Ignores the idempotency key: a retried submission creates a second exchange.',
      ru: 'Игнорирует ключ идемпотентности: повторная отправка создаёт второй обмен.',
    },
    breaks: {
      rule: 'HUB-IDEMPOTENCY',
      text: { en: 'The same idempotency key with the same payload returns the original exchange, never a second one.', ru: 'Тот же ключ идемпотентности с теми же данными возвращает исходный обмен и никогда не создаёт второй.' },
    },
    detectedBy: ['connection-failure'],
  },
  {
    name: 'deliver-twice',
    description: {
      en: 'Delivers a document once more after a successful acknowledgement (push: a second push; pull: it stays in the inbox once more).',
      ru: 'Доставляет документ ещё раз после успешного подтверждения (push — повторная отправка; pull — документ ещё раз остаётся во входящих).',
    },
    breaks: {
      rule: 'HUB-DELIVERY-ONCE',
      text: { en: 'After an acknowledgement the hub does not deliver the exchange again.', ru: 'После подтверждения хаб не доставляет обмен повторно.' },
    },
    detectedBy: ['standard', 'log-consistency'],
  },
  {
    name: 'lose-pending-on-restart',
    description: {
      en: 'Keeps the retry schedule only in memory: push deliveries pending at a restart are never attempted again and stay PendingDelivery forever.',
      ru: 'Хранит расписание повторов только в памяти: push-доставки, ожидавшие на момент перезапуска, больше не выполняются и навсегда остаются в статусе PendingDelivery.',
    },
    breaks: {
      rule: 'HUB-DURABILITY',
      text: { en: 'Pending deliveries survive a crash or restart and resume.', ru: 'Ожидающие доставки переживают сбой или перезапуск и возобновляются.' },
    },
    detectedBy: ['connection-failure', 'durability'],
  },
  {
    name: 'no-retry',
    description: {
      en: 'Stops after the first failed push attempt and marks the exchange FailedDelivery, without retrying.',
      ru: 'Прекращает доставку после первой неудачной попытки и помечает обмен как FailedDelivery без повторов.',
    },
    breaks: {
      rule: 'HUB-DELIVERY-RETRY',
      text: { en: 'Push delivery retries with exponential back-off up to the configured number of attempts.', ru: 'Push-доставка повторяется с экспоненциальной задержкой до заданного числа попыток.' },
    },
    detectedBy: ['connection-failure'],
  },
  {
    name: 'leak-exchanges',
    description: {
      en: 'Shows any node every exchange: another node\u2019s exchange can be read by id and appears in its listing.',
      ru: 'Показывает любому узлу все обмены: чужой обмен можно прочитать по идентификатору, и он попадает в список.',
    },
    breaks: {
      rule: 'HUB-ACCESS',
      text: { en: 'A node sees only exchanges it sent or receives; others answer 404.', ru: 'Узел видит только обмены, которые он отправил или получает; остальные дают ответ 404.' },
    },
    detectedBy: ['access'],
  },
  {
    name: 'break-audit-chain',
    description: {
      en: 'Hashes audit-log entries without the previous entry\u2019s hash, so the audit log is not a chain (a deleted or reordered entry would go unnoticed).',
      ru: 'Вычисляет хеш записей журнала аудита без хеша предыдущей записи, поэтому журнал не образует цепочку (удаление или перестановка записи останутся незамеченными).',
    },
    breaks: {
      rule: 'HUB-LOG-CHAIN',
      text: { en: 'Every log entry is chained: hash = sha256(prevHash || canonical entry).', ru: 'Каждая запись журнала сцеплена: hash = sha256(prevHash || каноническая запись).' },
    },
    detectedBy: ['log-consistency'],
  },
  {
    name: 'no-purge',
    description: {
      en: 'Never purges delivered documents (Model A broken): a document stays downloadable after its retention period.',
      ru: 'Никогда не удаляет доставленные документы (нарушение модели A): документ остаётся доступным после окончания срока хранения.',
    },
    breaks: {
      rule: 'HUB-MODEL-A',
      text: { en: 'The PDF is purged a configured time after delivery; fetching it then answers 410.', ru: 'PDF удаляется через заданное время после доставки; запрос после этого получает ответ 410.' },
    },
    detectedBy: ['model-a'],
  },
  {
    name: 'off-contract-answers',
    description: {
      en: 'Answers with exchange records that lack fields the contract requires (createdAt, verification.verifiedAt): the hub works, but a client built to the contract cannot rely on its answers.',
      ru: 'Отвечает записями обменов без полей, обязательных по контракту (createdAt, verification.verifiedAt): хаб работает, но клиент, построенный по контракту, не может полагаться на его ответы.',
    },
    breaks: {
      rule: 'HUB-CONTRACT',
      text: { en: 'Every answer matches protocol/openapi.yaml.', ru: 'Каждый ответ соответствует protocol/openapi.yaml.' },
    },
    detectedBy: ['contract check of every answer'],
  },
] as const satisfies readonly DefectInfo[];

export type DefectName = (typeof DEFECTS)[number]['name'];
export const DEFECT_NAMES: readonly DefectName[] = DEFECTS.map((d) => d.name);

export function isDefectName(name: string): name is DefectName {
  return (DEFECT_NAMES as readonly string[]).includes(name);
}

export function defectInfo(name: DefectName): DefectInfo {
  return DEFECTS.find((d) => d.name === name)!;
}

/** The set of active defects, checked; throws on an unknown name (listing the known ones). */
export function parseDefects(names: readonly string[] = []): ReadonlySet<DefectName> {
  const unknown = names.filter((n) => !isDefectName(n));
  if (unknown.length) throw new Error(`unknown defect switch ${unknown.map((n) => `"${n}"`).join(', ')}; known: ${DEFECT_NAMES.join(', ')}`);
  return new Set(names as DefectName[]);
}
