import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'EXP-03',
  category: 'expired-document',
  title: { en: 'Signer certificate expired at signing (to {partner})', ru: 'Сертификат подписанта истёк к моменту подписания (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: expired document: signer certificate expired at signing time', ru: 'C.3, исключительная ситуация: истёкший документ — сертификат подписанта истёк к моменту подписания' },
  partners: 'one',
  document: { variant: 'expired-signer-cert' },
  expect: {
    oracle: 'SIGNER_CERT_EXPIRED_AT_SIGNING',
    hub: { status: 'Rejected', reasonCode: 'SIGNER_CERT_EXPIRED_AT_SIGNING' },
    recipient: 'not-delivered',
  },
});
