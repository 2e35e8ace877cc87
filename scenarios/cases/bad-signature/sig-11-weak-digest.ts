import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-11',
  category: 'bad-signature',
  title: { en: 'Signed with a SHA-1 digest (to {partner})', ru: 'Подписан с хеш-функцией SHA-1 (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: digest below policy', ru: 'C.3, исключительная ситуация: несовпадение подписи — хеш-функция ниже требований политики' },
  partners: 'one',
  document: { variant: 'weak-digest' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'WEAK_ALGORITHM',
    hub: { status: 'Rejected', reasonCode: 'WEAK_ALGORITHM' },
    recipient: 'not-delivered',
  },
});
