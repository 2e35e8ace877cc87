import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-02',
  category: 'bad-signature',
  title: { en: 'Metadata changed after signing (to {partner})', ru: 'Метаданные изменены после подписания (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: metadata no longer matches the signed copy', ru: 'C.3, исключительная ситуация: несовпадение подписи — метаданные больше не совпадают с подписанной копией' },
  partners: 'one',
  document: { variant: 'metadata-edited' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'METADATA_MISMATCH',
    hub: { status: 'Rejected', reasonCode: 'METADATA_MISMATCH' },
    recipient: 'not-delivered',
  },
});
