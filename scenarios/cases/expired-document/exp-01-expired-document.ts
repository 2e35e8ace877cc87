import { defineCase } from '../../types.ts';
import { cocPartners } from '../../select.ts';

export default defineCase({
  id: 'EXP-01',
  category: 'expired-document',
  title: { en: 'Certificate validity has ended (to {partner})', ru: 'Срок действия сертификата истёк (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: expired document: validity window ended', ru: 'C.3, исключительная ситуация: истёкший документ — срок действия истёк' },
  // A validity window exists only on a certificate of conformity.
  partners: cocPartners,
  document: { type: 'coc', variant: 'expired-document' },
  expect: {
    oracle: 'DOCUMENT_EXPIRED',
    hub: { status: 'Rejected', reasonCode: 'DOCUMENT_EXPIRED' },
    recipient: 'not-delivered',
  },
});
