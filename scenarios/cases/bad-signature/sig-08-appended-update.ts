import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-08',
  category: 'bad-signature',
  title: { en: 'Content appended after signing (to {partner})', ru: 'Содержимое дописано после подписания (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: signature does not cover the whole file', ru: 'C.3, исключительная ситуация: несовпадение подписи — подпись охватывает не весь файл' },
  partners: 'one',
  document: { variant: 'appended-update' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'BYTE_RANGE_INCOMPLETE',
    hub: { status: 'Rejected', reasonCode: 'BYTE_RANGE_INCOMPLETE' },
    recipient: 'not-delivered',
  },
});
