import { type Lang, defineCatalog } from '../../protocol/i18n.ts';

// The texts of the oracle's findings, in English and Russian. A finding is stored as a stable code
// with parameters (results.json, evidence.jsonl); its English text comes from here too, so the
// terminal, the JSON and both reports say the same thing.

export const findingMessages = defineCatalog(
  {
    ORACLE_MISMATCH: "the harness's own verification gave {observed}, but the case expects {expected}: the test material is wrong",
    FALSE_ACCEPT: 'the hub accepted a bad document instead of rejecting it (the exchange ended {status}); expected rejection with {expected}',
    WRONG_REASON: 'the hub rejected with {observed}; expected {expected}',
    UNEXPLAINED_REASON: "the hub also gave {codes}, which the document does not warrant (the harness's verification of the same bytes gives {oracle})",
    FALSE_REJECT: 'the hub rejected a genuine document with {observed}',
    WRONG_STATUS: 'the exchange ended {observed}; expected {expected}',
    DELIVERED_DESPITE_REJECTION: 'the recipient received the document {deliveries, plural, one {once} other {# times}} although it must never reach it',
    NOT_DELIVERED: 'the recipient never received the document',
    CONTENT_CHANGED_IN_TRANSIT: 'the recipient received different bytes from those the sender submitted',
    WRONG_DECISION: 'the recipient decided {observed}; expected {expected}',
    DUPLICATE_DECISION: 'the recipient decided {decisions} times on one exchange (the effect must be exactly once)',
    DUPLICATE_DELIVERY: 'the hub delivered the exchange {count} times although the first delivery was acknowledged',
    PRIVACY_LEAK: "a third country's node ({third}) was not refused: {probes}",
    SENDER_VIEW_MISMATCH: 'the sender sees {observed}; expected {expected}',
    DELIVERY_ATTEMPTS_OUT_OF_BOUNDS: 'the hub made {observed, plural, one {# delivery attempt} other {# delivery attempts}}; expected {min} to {max}',
    EXCHANGE_COUNT_MISMATCH: "the hub's exchange log shows {observed, plural, one {# exchange} other {# exchanges}} for this case; expected {expected}",
    LOST_EXCHANGE: 'the hub holds no exchange for the submitted document',
    LOGS_DISAGREE: "the logs disagree: the hub's exchange log lacks {sender} (sender's log) and {recipient} (recipient's log)",
    DUPLICATE_EXCHANGE: 'the hub holds {observed} exchanges for this case; expected {expected}',
    NOT_PURGED: 'the hub still serves the PDF after its retention time (HTTP {httpStatus}; expected 410)',
    STATUS_LOST_ON_PURGE: 'the exchange status or metadata disappeared with the purge',
    LOG_CHAIN_BROKEN: "the hub's {log} log hash chain does not verify: {detail}",
    CONTRACT_VIOLATION: "the hub's answer to {request} (HTTP {status}) breaks the contract: {errors}",
    STEP_FAILED: 'step "{step}" failed ({kind}): {message}',
    'probe.read': 'read the exchange',
    'probe.fetch': 'fetch the document',
    'probe.acknowledge': 'acknowledge it',
    'probe.decide': 'decide on it',
    'probe.purge': 'purge it',
    'probe.list': 'see it in its list',
    'value.none': 'none',
    'value.valid': 'valid',
    'kind.timeout': 'time-out',
    'kind.unreachable': 'unreachable',
    'kind.hub-error': 'hub error',
    'kind.error': 'error',
    'skip.capability': 'the hub does not offer {capabilities} (needed by this case)',
    'skip.realNodeFault': 'fault "{fault}" needs a mock node for {country}, which runs as a real node',
    'skip.realSender': 'the case issues test documents as {country}, which runs as a real node',
    'skip.interrupted': 'not run: the run was interrupted',
    'severity.false-accept': 'false accept',
    'severity.data-leak': 'data leak',
    'severity.false-reject': 'false reject',
    'severity.wrong-reason': 'wrong reason',
    'severity.lost-exchange': 'lost exchange',
    'severity.duplicate': 'duplicate',
    'severity.log-mismatch': 'log mismatch',
    'severity.other': 'non-conformance',
    'category.standard': 'standard',
    'category.bad-signature': 'bad signature',
    'category.expired-document': 'expired document',
    'category.connection-failure': 'connection failure',
  },
  {
    ORACLE_MISMATCH: 'собственная проверка средства проверки дала {observed}, а сценарий ожидает {expected}: ошибка в тестовых материалах',
    FALSE_ACCEPT: 'хаб принял недействительный документ вместо отказа (итоговый статус обмена {status}); ожидался отказ с кодом {expected}',
    WRONG_REASON: 'хаб отклонил документ с кодом {observed}; ожидался {expected}',
    UNEXPLAINED_REASON: 'хаб указал также {codes}, чего документ не даёт оснований указывать (проверка тех же байтов средством проверки даёт {oracle})',
    FALSE_REJECT: 'хаб отклонил подлинный документ с кодом {observed}',
    WRONG_STATUS: 'обмен завершился статусом {observed}; ожидался {expected}',
    DELIVERED_DESPITE_REJECTION: 'получатель получил документ {deliveries, plural, one {# раз} few {# раза} many {# раз} other {# раза}}, хотя он не должен был его получить',
    NOT_DELIVERED: 'получатель так и не получил документ',
    CONTENT_CHANGED_IN_TRANSIT: 'получатель получил не те байты, что отправил отправитель',
    WRONG_DECISION: 'получатель принял решение {observed}; ожидалось {expected}',
    DUPLICATE_DECISION: 'получатель принял решение по одному обмену {decisions, plural, one {# раз} few {# раза} many {# раз} other {# раза}} (действие должно выполняться ровно один раз)',
    DUPLICATE_DELIVERY: 'хаб доставил обмен {count, plural, one {# раз} few {# раза} many {# раз} other {# раза}}, хотя первая доставка была подтверждена',
    PRIVACY_LEAK: 'узлу третьей страны ({third}) не было отказано: {probes}',
    SENDER_VIEW_MISMATCH: 'отправитель видит статус {observed}; ожидался {expected}',
    DELIVERY_ATTEMPTS_OUT_OF_BOUNDS: 'хаб сделал {observed, plural, one {# попытку доставки} few {# попытки доставки} many {# попыток доставки} other {# попытки доставки}}; ожидалось от {min} до {max}',
    EXCHANGE_COUNT_MISMATCH: 'журнал обменов хаба показывает {observed, plural, one {# обмен} few {# обмена} many {# обменов} other {# обмена}} по этому сценарию; ожидалось {expected}',
    LOST_EXCHANGE: 'у хаба нет обмена по отправленному документу',
    LOGS_DISAGREE: 'журналы расходятся: в журнале обменов хаба нет {sender} (журнал отправителя) и {recipient} (журнал получателя)',
    DUPLICATE_EXCHANGE: 'у хаба {observed} обменов по этому сценарию; ожидалось {expected}',
    NOT_PURGED: 'хаб всё ещё выдаёт PDF после окончания срока хранения (HTTP {httpStatus}; ожидался 410)',
    STATUS_LOST_ON_PURGE: 'вместе с удалением документа пропали статус или метаданные обмена',
    LOG_CHAIN_BROKEN: 'хеш-цепочка журнала хаба «{log}» не сходится: {detail}',
    CONTRACT_VIOLATION: 'ответ хаба на {request} (HTTP {status}) нарушает контракт: {errors}',
    STEP_FAILED: 'шаг «{step}» не выполнен ({kind}): {message}',
    'probe.read': 'прочитать обмен',
    'probe.fetch': 'скачать документ',
    'probe.acknowledge': 'подтвердить получение',
    'probe.decide': 'принять решение',
    'probe.purge': 'удалить документ',
    'probe.list': 'увидеть обмен в своём списке',
    'value.none': 'нет',
    'value.valid': 'действителен',
    'kind.timeout': 'тайм-аут',
    'kind.unreachable': 'недоступен',
    'kind.hub-error': 'ошибка хаба',
    'kind.error': 'ошибка',
    'skip.capability': 'хаб не предоставляет {capabilities} (нужно этому сценарию)',
    'skip.realNodeFault': 'для сбоя «{fault}» нужен имитирующий узел {country}, а он работает как реальный узел',
    'skip.realSender': 'сценарий выпускает тестовые документы от имени {country}, а этот узел реальный',
    'skip.interrupted': 'не выполнен: прогон был прерван',
    'severity.false-accept': 'ложный приём',
    'severity.data-leak': 'утечка данных',
    'severity.false-reject': 'ложный отказ',
    'severity.wrong-reason': 'неверная причина',
    'severity.lost-exchange': 'потерянный обмен',
    'severity.duplicate': 'дублирование',
    'severity.log-mismatch': 'расхождение журналов',
    'severity.other': 'несоответствие',
    'category.standard': 'стандартный',
    'category.bad-signature': 'неверная подпись',
    'category.expired-document': 'истёкший документ',
    'category.connection-failure': 'сбой соединения',
  },
);

export type FindingMessageKey = (typeof findingMessages.keys)[number];

/** A privacy probe that was not refused: which access, and what the hub answered. */
export interface LeakProbe {
  probe: 'read' | 'fetch' | 'acknowledge' | 'decide' | 'purge' | 'list';
  answer: string;
}

/** Parameters that are themselves texts to localize (encoded in the stored params). */
function localizeParams(lang: Lang, code: string, params: Record<string, string | number>): Record<string, string | number> {
  const out = { ...params };
  if (code === 'PRIVACY_LEAK' && typeof params.probes === 'string') {
    out.probes = (JSON.parse(params.probes) as LeakProbe[]).map((l) => `${findingMessages.t(lang, `probe.${l.probe}`)} (${l.answer})`).join('; ');
  }
  if (code === 'STEP_FAILED' && typeof params.kind === 'string' && findingMessages.has(`kind.${params.kind}`)) {
    out.kind = findingMessages.t(lang, `kind.${params.kind}` as FindingMessageKey);
  }
  for (const [k, v] of Object.entries(out)) if (v === '') out[k] = findingMessages.t(lang, 'value.none');
  return out;
}

export interface SkipInfo {
  code: 'skip.capability' | 'skip.realNodeFault' | 'skip.realSender' | 'skip.interrupted';
  params?: Record<string, string>;
}

export function skipText(lang: Lang, skip: SkipInfo): string {
  return findingMessages.t(lang, skip.code, skip.params ?? {});
}

/** A label of the catalog (severity.*, category.*, kind.*), or the identifier itself when there is none. */
export function labelText(lang: Lang, key: string): string {
  return findingMessages.has(key) ? findingMessages.t(lang, key) : key.slice(key.indexOf('.') + 1);
}

/** The text of a finding in a language; a code this catalog does not know falls back to its stored message. */
export function findingText(lang: Lang, finding: { code: string; params?: Record<string, string | number>; message?: string }): string {
  if (!findingMessages.has(finding.code) || finding.code.includes('.')) return finding.message ?? finding.code;
  return findingMessages.t(lang, finding.code, localizeParams(lang, finding.code, finding.params ?? {}));
}
