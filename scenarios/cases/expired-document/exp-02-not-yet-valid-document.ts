import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'EXP-02',
  category: 'expired-document',
  title: { en: 'Certificate not yet valid (to {partner})', ru: 'Сертификат ещё не вступил в силу (получатель {partner})' },
  requirement: 'C.3 exception scenario: expired document: validity window not yet started',
  partners: 'one',
  document: { variant: 'not-yet-valid-document' },
  expect: {
    oracle: 'DOCUMENT_NOT_YET_VALID',
    hub: { status: 'Rejected', reasonCode: 'DOCUMENT_NOT_YET_VALID' },
    recipient: 'not-delivered',
  },
});
