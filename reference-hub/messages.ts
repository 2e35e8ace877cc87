import { defineCatalog } from '../protocol/i18n.ts';

// Human text of the hub's error answers (Accept-Language en / ru). Keys are the stable error
// codes (a few with a variant suffix); the code itself is never translated.
export const hubMessages = defineCatalog(
  {
    'UNAUTHENTICATED.none': 'No client certificate was presented. Connect with mutual TLS using the certificate the hub operator registered for your node.',
    'UNAUTHENTICATED.unknown': 'The client certificate (SHA-256 {fingerprint}) is not registered at this hub. Ask the hub operator to register your node with this certificate.',
    CERTIFICATE_REVOKED: 'The certificate of node {country} was revoked on {at}. Ask the hub operator to register a new one.',
    OPERATOR_ROLE_REQUIRED: '{operation} needs the operator role; your certificate identifies {who}.',
    NODE_ROLE_REQUIRED: '{operation} is done by a national node; your certificate identifies {who}.',
    NOT_RECIPIENT: 'Only the recipient ({recipient}) can {action} exchange "{exchangeId}".',
    EXCHANGE_NOT_FOUND: 'No exchange "{exchangeId}" is visible to you.',
    DOCUMENT_NOT_FOUND: 'The hub has no record of document "{documentId}".',
    KEY_NOT_FOUND: 'No signer certificate with key id "{keyId}" is registered.',
    NODE_NOT_FOUND: 'No node is registered for country {country}.',
    ROUTE_NOT_FOUND: '{method} {path} is not an operation of the e-CERT Hub API (see protocol/openapi.yaml).',
    CAPABILITY_NOT_AVAILABLE: 'This hub does not offer the "{capability}" capability (the reference hub offers it only in test mode).',
    DOCUMENT_PURGED:
      'The document of exchange "{exchangeId}" was purged on {purgedAt} (Model A: the hub keeps documents only temporarily). Its metadata, statuses and logs remain; ask the sender for the document again if you need it.',
    VALIDATION_FAILED: 'Invalid request: {field} {problem}.',
    ENVELOPE_INVALID: 'The envelope is invalid at {field}: {problem}{more, plural, =0 {} one { (and # more problem)} other { (and # more problems)}}.',
    ENVELOPE_NOT_JSON: 'The envelope is not valid JSON: {problem}.',
    INVALID_JSON: 'The request body is not valid JSON: {problem}.',
    MISSING_FIELD: 'The request is missing {field}.',
    NOT_A_PDF: 'The document is not a readable PDF ({problem}). Send the signed PDF file itself.',
    UNKNOWN_RECIPIENT: 'Recipient {recipient} is not a registered, active node of this hub.',
    RECIPIENT_IS_SENDER: 'Node {recipient} cannot send a document to itself.',
    SENDER_NOT_ISSUER: 'Node {sender} cannot submit a document issued in {issuer}: the issuing body\u2019s country must be the sending node\u2019s country.',
    INVALID_CERTIFICATE: 'certificatePem is not a readable X.509 certificate in PEM form ({problem}).',
    COUNTRY_MISMATCH: 'The certificate names country {certificateCountry}, not {country}.',
    IDEMPOTENCY_CONFLICT:
      'Idempotency key "{key}" was already used by {sender} for a different submission (exchange {exchangeId}). A retry must send exactly the same document, envelope and recipient; a new submission needs a new key.',
    DECISION_CONFLICT: 'Exchange "{exchangeId}" was already {decision}; a decision cannot be changed.',
    INVALID_STATE: '{action} is not possible while exchange "{exchangeId}" is {status}.',
    CERTIFICATE_IN_USE: 'This certificate is already registered for {holder}; every node needs its own certificate.',
    KEY_COUNTRY_CONFLICT: 'This certificate is already registered as {keyId} for another country.',
    PAYLOAD_TOO_LARGE: 'The upload exceeds the hub\u2019s limit of {limit} bytes.',
    UNSUPPORTED_MEDIA_TYPE: 'Content type "{contentType}" is not accepted here; send {expected}.',
    BAD_REQUEST: 'The request could not be read: {problem}.',
    INTERNAL: 'Internal error of the reference hub ({problem}). This is a bug in the hub; the request changed nothing.',
  },
  {
    'UNAUTHENTICATED.none': 'Клиентский сертификат не предъявлен. Подключитесь по взаимному TLS с сертификатом, который оператор хаба зарегистрировал для вашего узла.',
    'UNAUTHENTICATED.unknown': 'Клиентский сертификат (SHA-256 {fingerprint}) не зарегистрирован на этом хабе. Попросите оператора хаба зарегистрировать ваш узел с этим сертификатом.',
    CERTIFICATE_REVOKED: 'Сертификат узла {country} отозван {at}. Попросите оператора хаба зарегистрировать новый.',
    OPERATOR_ROLE_REQUIRED: 'Для операции {operation} нужна роль оператора; ваш сертификат принадлежит {who}.',
    NODE_ROLE_REQUIRED: 'Операцию {operation} выполняет национальный узел; ваш сертификат принадлежит {who}.',
    NOT_RECIPIENT: 'Действие «{action}» с обменом «{exchangeId}» может выполнить только получатель ({recipient}).',
    EXCHANGE_NOT_FOUND: 'Обмен «{exchangeId}» вам недоступен.',
    DOCUMENT_NOT_FOUND: 'У хаба нет сведений о документе «{documentId}».',
    KEY_NOT_FOUND: 'Сертификат подписанта с идентификатором ключа «{keyId}» не зарегистрирован.',
    NODE_NOT_FOUND: 'Для страны {country} узел не зарегистрирован.',
    ROUTE_NOT_FOUND: '{method} {path} не является операцией API хаба e-CERT (см. protocol/openapi.yaml).',
    CAPABILITY_NOT_AVAILABLE: 'Этот хаб не предоставляет возможность «{capability}» (эталонный хаб предоставляет её только в тестовом режиме).',
    DOCUMENT_PURGED:
      'Документ обмена «{exchangeId}» удалён {purgedAt} (модель A: хаб хранит документы только временно). Метаданные, статусы и журналы сохранены; при необходимости запросите документ у отправителя повторно.',
    VALIDATION_FAILED: 'Некорректный запрос: {field} {problem}.',
    ENVELOPE_INVALID: 'Конверт некорректен в поле {field}: {problem}{more, plural, =0 {} one { (и ещё # ошибка)} few { (и ещё # ошибки)} many { (и ещё # ошибок)} other { (и ещё # ошибки)}}.',
    ENVELOPE_NOT_JSON: 'Конверт не является корректным JSON: {problem}.',
    INVALID_JSON: 'Тело запроса не является корректным JSON: {problem}.',
    MISSING_FIELD: 'В запросе отсутствует {field}.',
    NOT_A_PDF: 'Документ не является читаемым PDF ({problem}). Отправьте сам подписанный PDF-файл.',
    UNKNOWN_RECIPIENT: 'Получатель {recipient} не является зарегистрированным активным узлом этого хаба.',
    RECIPIENT_IS_SENDER: 'Узел {recipient} не может отправить документ самому себе.',
    SENDER_NOT_ISSUER: 'Узел {sender} не может отправить документ, выданный в стране {issuer}: страна органа, выдавшего документ, должна совпадать со страной узла-отправителя.',
    INVALID_CERTIFICATE: 'certificatePem не является читаемым сертификатом X.509 в формате PEM ({problem}).',
    COUNTRY_MISMATCH: 'В сертификате указана страна {certificateCountry}, а не {country}.',
    IDEMPOTENCY_CONFLICT:
      'Ключ идемпотентности «{key}» уже использован узлом {sender} для другой отправки (обмен {exchangeId}). Повтор должен содержать тот же документ, конверт и получателя; для новой отправки нужен новый ключ.',
    DECISION_CONFLICT: 'По обмену «{exchangeId}» уже принято решение ({decision}); изменить его нельзя.',
    INVALID_STATE: 'Действие «{action}» невозможно, пока обмен «{exchangeId}» находится в статусе {status}.',
    CERTIFICATE_IN_USE: 'Этот сертификат уже зарегистрирован за {holder}; каждому узлу нужен собственный сертификат.',
    KEY_COUNTRY_CONFLICT: 'Этот сертификат уже зарегистрирован как {keyId} за другой страной.',
    PAYLOAD_TOO_LARGE: 'Размер загрузки превышает предел хаба в {limit} байт.',
    UNSUPPORTED_MEDIA_TYPE: 'Тип содержимого «{contentType}» здесь не принимается; отправьте {expected}.',
    BAD_REQUEST: 'Не удалось прочитать запрос: {problem}.',
    INTERNAL: 'Внутренняя ошибка эталонного хаба ({problem}). Это дефект хаба; запрос ничего не изменил.',
  },
);

export type HubMessageKey = (typeof hubMessages.keys)[number];

/** An error answer: HTTP status, stable code, message key + params, optional details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly params: Record<string, string | number> = {},
    readonly details?: unknown,
    readonly key: HubMessageKey = code as HubMessageKey,
  ) {
    super(`${code}: ${hubMessages.t('en', key, params)}`);
    this.name = 'ApiError';
  }
}
