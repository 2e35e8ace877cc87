import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-07',
  category: 'bad-signature',
  title: { en: 'Signature container truncated (to {partner})', ru: 'Контейнер подписи усечён (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: malformed CMS', ru: 'C.3, исключительная ситуация: несовпадение подписи — повреждённая структура CMS' },
  partners: 'one',
  document: { variant: 'truncated-cms' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'CMS_MALFORMED',
    hub: { status: 'Rejected', reasonCode: 'CMS_MALFORMED' },
    recipient: 'not-delivered',
  },
});
