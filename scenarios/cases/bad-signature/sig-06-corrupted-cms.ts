import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-06',
  category: 'bad-signature',
  title: { en: 'Signature value corrupted (to {partner})', ru: 'Повреждено значение подписи (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: cryptographic verification fails', ru: 'C.3, исключительная ситуация: несовпадение подписи — криптографическая проверка не проходит' },
  partners: 'one',
  document: { variant: 'corrupted-cms' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'SIGNATURE_INVALID',
    hub: { status: 'Rejected', reasonCode: 'SIGNATURE_INVALID' },
    recipient: 'not-delivered',
  },
});
