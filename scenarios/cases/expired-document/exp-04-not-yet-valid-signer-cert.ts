import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'EXP-04',
  category: 'expired-document',
  title: { en: 'Signer certificate not yet valid at signing (to {partner})', ru: 'Сертификат подписанта ещё не действовал при подписании (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: expired document: signer certificate not yet valid at signing time', ru: 'C.3, исключительная ситуация: истёкший документ — сертификат подписанта ещё не действовал в момент подписания' },
  partners: 'one',
  document: { variant: 'not-yet-valid-signer-cert' },
  expect: {
    oracle: 'SIGNER_CERT_NOT_YET_VALID_AT_SIGNING',
    hub: { status: 'Rejected', reasonCode: 'SIGNER_CERT_NOT_YET_VALID_AT_SIGNING' },
    recipient: 'not-delivered',
  },
});
