import { defineCase } from '../../types.ts';
import { cocPartners } from '../../select.ts';

export default defineCase({
  id: 'EXP-02',
  category: 'expired-document',
  title: { en: 'Certificate not yet valid (to {partner})', ru: 'Сертификат ещё не вступил в силу (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: expired document: validity window not yet started', ru: 'C.3, исключительная ситуация: истёкший документ — срок действия ещё не начался' },
  // A validity window exists only on a certificate of conformity.
  partners: cocPartners,
  document: { type: 'coc', variant: 'not-yet-valid-document' },
  expect: {
    oracle: 'DOCUMENT_NOT_YET_VALID',
    hub: { status: 'Rejected', reasonCode: 'DOCUMENT_NOT_YET_VALID' },
    recipient: 'not-delivered',
  },
});
