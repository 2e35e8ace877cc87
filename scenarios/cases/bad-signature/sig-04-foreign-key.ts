import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-04',
  category: 'bad-signature',
  title: { en: "Signed with another country's key (to {partner})", ru: 'Подписан ключом другой страны (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: key belongs to another country', ru: 'C.3, исключительная ситуация: несовпадение подписи — ключ принадлежит другой стране' },
  partners: 'one',
  document: { variant: 'foreign-key' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'COUNTRY_MISMATCH',
    hub: { status: 'Rejected', reasonCode: 'COUNTRY_MISMATCH' },
    recipient: 'not-delivered',
  },
});
