import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-01',
  category: 'bad-signature',
  title: { en: 'Bytes changed inside the signed range (to {partner})', ru: 'Изменены байты внутри подписанного диапазона (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: document altered after signing', ru: 'C.3, исключительная ситуация: несовпадение подписи — документ изменён после подписания' },
  partners: 'one',
  document: { variant: 'byte-flip' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'MESSAGE_DIGEST_MISMATCH',
    hub: { status: 'Rejected', reasonCode: 'MESSAGE_DIGEST_MISMATCH' },
    recipient: 'not-delivered',
  },
});
