import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-10',
  category: 'bad-signature',
  title: { en: 'Another PDF sent with the envelope (to {partner})', ru: 'С конвертом отправлен другой PDF (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: file hash differs from the envelope', ru: 'C.3, исключительная ситуация: несовпадение подписи — хеш файла расходится с конвертом' },
  partners: 'one',
  document: { variant: 'file-swapped' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'FILE_HASH_MISMATCH',
    hub: { status: 'Rejected', reasonCode: 'FILE_HASH_MISMATCH' },
    recipient: 'not-delivered',
  },
});
