import { type Lang, defineCatalog } from './i18n.ts';
import type { ReasonCode } from './reason-codes.ts';
import type { CheckName, CheckResult, Indication } from './types.ts';

// Human text for verification results, rendered from a reason code (or a message key for
// passed / not evaluated checks) and the check's params. The English text is also what
// verifyDocument puts in `detail`, so the report and any rendering agree. Reason codes stay
// identifiers in every language.

export const reasonMessages = defineCatalog(
  {
    FILE_HASH_MISMATCH: 'The file SHA-256 {actual} differs from the envelope ({expected}): this is not the file that was sent.',
    FILE_SIZE_MISMATCH: 'The file is {actual} bytes long; the envelope says {expected} bytes.',
    BYTE_RANGE_INCOMPLETE: 'The signature covers {covered} of {size} bytes: {appended} bytes were added after signing.',
    BYTE_RANGE_INVALID:
      'The signature /ByteRange is invalid: {problem, select, shape {it is not four non-negative integers} start {it does not start at 0} overlap {its two ranges overlap} beyondEnd {it reaches past the end of the file} gapNotHex {the gap is not a hex string} noContents {the signature has no /Contents} gapMismatch {the gap does not hold the signature /Contents} other {{problem}}}.',
    MESSAGE_DIGEST_MISMATCH: 'The signed bytes do not match the digest in the signature ({digest}): the file was changed after signing.',
    NOT_A_PDF: 'The file is not a readable PDF: {error}',
    SIGNATURE_MISSING: 'The document carries no signature{fields, select, none {} other { (unsigned signature field: {fields})}}.',
    CMS_MALFORMED: 'The CMS signature container is malformed: {error}',
    SIGNER_CERTIFICATE_MISSING: 'The signature does not carry the signer certificate it names.',
    SIGNATURE_INVALID:
      'The signature value is invalid: {problem, select, ess {the signing-certificate attribute names another certificate} algorithm {{error}} other {it does not verify with the signer certificate}}.',
    UNSUPPORTED_SUBFILTER: 'The signature sub-filter {subFilter} is not supported (use adbe.pkcs7.detached or ETSI.CAdES.detached).',
    SIGNER_NOT_REGISTERED:
      'The signer certificate {subject} is not registered for {country} in the trust registry{registeredIn, select, none {} other { (it is registered for {registeredIn})}}.',
    CHAIN_NOT_FOUND: 'The signer certificate {subject} does not chain to a {country} trust anchor.',
    SIGNER_REVOKED: 'The signer key {keyId} was revoked in the registry{revokedAt, select, none {} other { on {revokedAt}}}{reason, select, none {} other { ({reason})}}.',
    WEAK_ALGORITHM:
      '{what, select, key {The signer key {algorithm} is below the policy minimum (RSA {minimum} bits)} curve {The signer key curve {algorithm} is not allowed (allowed: {allowed})} certDigest {The signer certificate is signed with {algorithm}, which the policy does not allow (allowed: {allowed})} digest {The signature uses the digest {algorithm}, which the policy does not allow (allowed: {allowed})} other {The algorithm {algorithm} is not allowed}}.',
    COUNTRY_MISMATCH: 'The signer certificate belongs to {certCountry}, but the document is issued by {issuingCountry}.',
    KEY_ID_MISMATCH: 'The envelope names key {envelopeKeyId}, but the document is signed with key {keyId}.',
    METADATA_MISSING: 'The PDF has no embedded metadata ({file}){error, select, none {} other {: {error}}}.',
    METADATA_SCHEMA_INVALID: 'The {copy, select, envelope {envelope} other {embedded}} metadata breaks the schema: {first}{count, plural, =1 {} other { (and {more} more)}}.',
    METADATA_MISMATCH: 'The envelope metadata differs from the signed copy in the PDF (fields: {fields}).',
    DOCUMENT_EXPIRED: 'The document expired on {validUntil} (checked at {at}).',
    DOCUMENT_NOT_YET_VALID: 'The document is valid only from {validFrom} (checked at {at}).',
    SIGNER_CERT_EXPIRED_AT_SIGNING: 'The signer certificate had expired ({notAfter}) when the document was signed ({signingTime}).',
    SIGNER_CERT_NOT_YET_VALID_AT_SIGNING: 'The signer certificate was not yet valid ({notBefore}) when the document was signed ({signingTime}).',
    SIGNING_TIME_IN_FUTURE: 'The claimed signing time {signingTime} is in the future (checked at {at}, tolerance {skewSeconds} s).',
    SIGNER_CERT_EXPIRED_NO_POE: 'The signer certificate expired on {notAfter} and nothing proves the signature was made before that (checked at {at}).',
    ENVELOPE_REQUIRED: 'The signed range is intact, but without the envelope the file hash cannot be compared with what was sent.',
  },
  {
    FILE_HASH_MISMATCH: 'SHA-256 файла {actual} не совпадает с указанным в конверте ({expected}): это не тот файл, который был отправлен.',
    FILE_SIZE_MISMATCH: 'Размер файла {actual} байт, а в конверте указано {expected} байт.',
    BYTE_RANGE_INCOMPLETE: 'Подпись охватывает {covered} из {size} байт: после подписания добавлено {appended} байт.',
    BYTE_RANGE_INVALID:
      'Некорректный /ByteRange подписи: {problem, select, shape {это не четыре неотрицательных целых числа} start {он начинается не с 0} overlap {его два диапазона перекрываются} beyondEnd {он выходит за конец файла} gapNotHex {промежуток не является шестнадцатеричной строкой} noContents {у подписи нет /Contents} gapMismatch {в промежутке находится не /Contents подписи} other {{problem}}}.',
    MESSAGE_DIGEST_MISMATCH: 'Подписанные байты не совпадают с хешем в подписи ({digest}): файл изменён после подписания.',
    NOT_A_PDF: 'Файл не является читаемым PDF: {error}',
    SIGNATURE_MISSING: 'Документ не содержит подписи{fields, select, none {} other { (неподписанное поле подписи: {fields})}}.',
    CMS_MALFORMED: 'Контейнер подписи CMS повреждён: {error}',
    SIGNER_CERTIFICATE_MISSING: 'Подпись не содержит сертификата подписанта, на который она ссылается.',
    SIGNATURE_INVALID:
      'Значение подписи недействительно: {problem, select, ess {атрибут signing-certificate указывает на другой сертификат} algorithm {{error}} other {подпись не проверяется сертификатом подписанта}}.',
    UNSUPPORTED_SUBFILTER: 'Подфильтр подписи {subFilter} не поддерживается (используйте adbe.pkcs7.detached или ETSI.CAdES.detached).',
    SIGNER_NOT_REGISTERED:
      'Сертификат подписанта {subject} не зарегистрирован для {country} в реестре доверия{registeredIn, select, none {} other { (он зарегистрирован для {registeredIn})}}.',
    CHAIN_NOT_FOUND: 'Сертификат подписанта {subject} не выстраивается в цепочку до корневого сертификата {country}.',
    SIGNER_REVOKED: 'Ключ подписанта {keyId} отозван в реестре{revokedAt, select, none {} other { {revokedAt}}}{reason, select, none {} other { ({reason})}}.',
    WEAK_ALGORITHM:
      '{what, select, key {Ключ подписанта {algorithm} слабее минимума политики (RSA {minimum} бит)} curve {Кривая ключа подписанта {algorithm} не разрешена (разрешены: {allowed})} certDigest {Сертификат подписанта подписан с {algorithm}, что не разрешено политикой (разрешены: {allowed})} digest {В подписи используется хеш-функция {algorithm}, не разрешённая политикой (разрешены: {allowed})} other {Алгоритм {algorithm} не разрешён}}.',
    COUNTRY_MISMATCH: 'Сертификат подписанта принадлежит {certCountry}, а документ выдан {issuingCountry}.',
    KEY_ID_MISMATCH: 'В конверте указан ключ {envelopeKeyId}, а документ подписан ключом {keyId}.',
    METADATA_MISSING: 'В PDF нет встроенных метаданных ({file}){error, select, none {} other {: {error}}}.',
    METADATA_SCHEMA_INVALID: '{copy, select, envelope {Метаданные конверта} other {Встроенные метаданные}} не соответствуют схеме: {first}{count, plural, =1 {} other { (и ещё {more})}}.',
    METADATA_MISMATCH: 'Метаданные конверта расходятся с подписанной копией в PDF (поля: {fields}).',
    DOCUMENT_EXPIRED: 'Срок действия документа истёк {validUntil} (проверено на {at}).',
    DOCUMENT_NOT_YET_VALID: 'Документ действует только с {validFrom} (проверено на {at}).',
    SIGNER_CERT_EXPIRED_AT_SIGNING: 'Сертификат подписанта истёк ({notAfter}) к моменту подписания документа ({signingTime}).',
    SIGNER_CERT_NOT_YET_VALID_AT_SIGNING: 'Сертификат подписанта ещё не действовал ({notBefore}) в момент подписания документа ({signingTime}).',
    SIGNING_TIME_IN_FUTURE: 'Заявленное время подписания {signingTime} находится в будущем (проверено на {at}, допуск {skewSeconds} с).',
    SIGNER_CERT_EXPIRED_NO_POE: 'Сертификат подписанта истёк {notAfter}, и нет доказательства, что подпись сделана раньше (проверено на {at}).',
    ENVELOPE_REQUIRED: 'Подписанный диапазон не изменён, но без конверта хеш файла нельзя сравнить с отправленным.',
  },
);

// Results that carry no reason code: passed checks, checks not evaluated.
export const checkMessages = defineCatalog(
  {
    'fileIntegrity.passed': 'The file matches the envelope (SHA-256 and size) and the signature covers all of it.',
    'signature.passed': 'The {algorithm} signature is cryptographically valid ({subFilter}).',
    'publicKey.passed': 'The signer key {keyId} is registered for {country}, active, and chains to its trust anchor.',
    'metadataIntegrity.passed': 'The envelope metadata is schema-valid and equal to the signed copy in the PDF.',
    'metadataIntegrity.passedEmbedded': 'The metadata embedded in the PDF is schema-valid (no envelope to compare with).',
    'validity.passed': 'The signer certificate was valid at signing time ({signingTime}){window, select, none {} other { and the document is valid at {at}}}.',
    'validity.passedNoWindow': 'The signer certificate was valid at signing time ({signingTime}); the document has no validity window.',
    notEvaluated: 'Not evaluated: {reason, select, notPdf {the file is not a readable PDF} noSignature {the document has no readable signature} noCertificate {the signer certificate is not available} noMetadata {the document metadata is not available} noByteRange {the signed byte range is unusable} other {{reason}}}.',
    skipped: 'Not checked under policy {policy}.',
    'check.fileIntegrity': 'File integrity',
    'check.signature': 'Signature',
    'check.publicKey': 'Public key',
    'check.metadataIntegrity': 'Metadata integrity',
    'check.validity': 'Validity',
    'indication.TOTAL_PASSED': 'passed',
    'indication.TOTAL_FAILED': 'failed',
    'indication.INDETERMINATE': 'indeterminate',
  },
  {
    'fileIntegrity.passed': 'Файл совпадает с конвертом (SHA-256 и размер), подпись охватывает его целиком.',
    'signature.passed': 'Подпись {algorithm} криптографически действительна ({subFilter}).',
    'publicKey.passed': 'Ключ подписанта {keyId} зарегистрирован для {country}, действует и выстраивается в цепочку до корневого сертификата.',
    'metadataIntegrity.passed': 'Метаданные конверта соответствуют схеме и совпадают с подписанной копией в PDF.',
    'metadataIntegrity.passedEmbedded': 'Метаданные, встроенные в PDF, соответствуют схеме (конверта для сравнения нет).',
    'validity.passed': 'Сертификат подписанта действовал в момент подписания ({signingTime}){window, select, none {} other {, документ действует на {at}}}.',
    'validity.passedNoWindow': 'Сертификат подписанта действовал в момент подписания ({signingTime}); у документа нет срока действия.',
    notEvaluated: 'Не проверялось: {reason, select, notPdf {файл не является читаемым PDF} noSignature {в документе нет читаемой подписи} noCertificate {сертификат подписанта недоступен} noMetadata {метаданные документа недоступны} noByteRange {подписанный диапазон байтов непригоден} other {{reason}}}.',
    skipped: 'Не проверяется по политике {policy}.',
    'check.fileIntegrity': 'Целостность файла',
    'check.signature': 'Подпись',
    'check.publicKey': 'Открытый ключ',
    'check.metadataIntegrity': 'Целостность метаданных',
    'check.validity': 'Срок действия',
    'indication.TOTAL_PASSED': 'пройдена',
    'indication.TOTAL_FAILED': 'не пройдена',
    'indication.INDETERMINATE': 'не определено',
  },
);

export type CheckMessageKey = (typeof checkMessages.keys)[number];

/** The param that names the message of a result without a reason code. */
export const MESSAGE_PARAM = 'message';

/** Human text of a reason code with its params. */
export function reasonText(lang: Lang, code: ReasonCode | string, params: Record<string, string | number> = {}): string {
  if (reasonMessages.has(code)) return reasonMessages.t(lang, code, params);
  return code;
}

/** Human text of one check result in `lang` (the report's `detail` is the English one). */
export function checkText(lang: Lang, result: CheckResult): string {
  const params = result.params ?? {};
  if (result.reasonCode) return reasonText(lang, result.reasonCode, params);
  const key = params[MESSAGE_PARAM];
  if (typeof key === 'string' && checkMessages.has(key)) return checkMessages.t(lang, key, params);
  return result.detail;
}

export function checkLabel(lang: Lang, check: CheckName): string {
  return checkMessages.t(lang, `check.${check}`);
}

export function indicationLabel(lang: Lang, indication: Indication): string {
  return checkMessages.t(lang, `indication.${indication}`);
}
