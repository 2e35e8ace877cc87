import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-09',
  category: 'bad-signature',
  title: { en: 'Signed with a weak RSA-1024 key (to {partner})', ru: 'Подписан слабым ключом RSA-1024 (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: algorithm below policy', ru: 'C.3, исключительная ситуация: несовпадение подписи — алгоритм ниже требований политики' },
  partners: 'one',
  document: { variant: 'weak-key' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'WEAK_ALGORITHM',
    hub: { status: 'Rejected', reasonCode: 'WEAK_ALGORITHM' },
    recipient: 'not-delivered',
  },
});
