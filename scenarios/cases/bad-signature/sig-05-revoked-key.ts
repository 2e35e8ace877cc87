import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-05',
  category: 'bad-signature',
  title: { en: 'Signed with a revoked key (to {partner})', ru: 'Подписан отозванным ключом (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: public key revoked in the registry', ru: 'C.3, исключительная ситуация: несовпадение подписи — открытый ключ отозван в реестре' },
  partners: 'one',
  document: { variant: 'revoked-key' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'SIGNER_REVOKED',
    hub: { status: 'Rejected', reasonCode: 'SIGNER_REVOKED' },
    recipient: 'not-delivered',
  },
});
