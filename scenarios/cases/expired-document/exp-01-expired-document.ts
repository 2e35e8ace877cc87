import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'EXP-01',
  category: 'expired-document',
  title: { en: 'Certificate validity has ended (to {partner})', ru: 'Срок действия сертификата истёк (получатель {partner})' },
  requirement: 'C.3 exception scenario: expired document: validity window ended',
  partners: 'one',
  document: { variant: 'expired-document' },
  expect: {
    oracle: 'DOCUMENT_EXPIRED',
    hub: { status: 'Rejected', reasonCode: 'DOCUMENT_EXPIRED' },
    recipient: 'not-delivered',
  },
});
