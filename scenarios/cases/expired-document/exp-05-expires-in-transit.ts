import { defineCase } from '../../types.ts';
import { cocPartners } from '../../select.ts';

export default defineCase({
  id: 'EXP-05',
  category: 'expired-document',
  title: {
    en: 'Certificate expires in transit: valid at submission, expired at the decision of {partner}',
    ru: 'Сертификат истекает в пути: действителен при отправке, истёк к решению получателя ({partner})',
  },
  requirement: { en: 'C.3 exception scenario: expired document (expiry between exchange and acceptance)', ru: 'C.3, исключительная ситуация: истёкший документ (срок истекает между обменом и принятием)' },
  rationale: {
    en:
      'The hub verifies at ingest, when the certificate is still valid, so Verified and delivery are correct. ' +
      'Acceptance is the importing side recognising the certificate now, for goods it clears now: a certificate ' +
      'that has lapsed cannot be recognised, so the recipient must refuse with DOCUMENT_EXPIRED. The hub keeps both ' +
      'facts: verified at submission, refused at decision. The fault, if any, lies with the delay, not the document.',
    ru:
      'Хаб проверяет документ при приёме, когда сертификат ещё действителен, поэтому статус «проверен» и доставка верны. ' +
      'Принятие — это признание сертификата стороной импорта сейчас, для товара, оформляемого сейчас: истёкший сертификат ' +
      'признать нельзя, поэтому получатель обязан отказать с кодом DOCUMENT_EXPIRED. Хаб фиксирует оба факта: проверен ' +
      'при отправке, отклонён при решении. Причина — задержка, а не сам документ.',
  },
  needs: ['test-clock'],
  // A validity window exists only on a certificate of conformity.
  partners: cocPartners,
  document: { type: 'coc', variant: 'short-validity' },
  steps: [
    { do: 'issue' },
    { do: 'submit' },
    { do: 'receive' },
    // Two days pass between delivery and the importer's decision; the certificate had one day left.
    { do: 'advance-clock', hours: 48 },
    { do: 'decide' },
    { do: 'await', status: 'terminal' },
  ],
  expect: {
    oracle: 'valid',
    hub: { status: 'Refused' },
    recipient: { decision: 'refused', reasonCode: 'DOCUMENT_EXPIRED' },
  },
});
