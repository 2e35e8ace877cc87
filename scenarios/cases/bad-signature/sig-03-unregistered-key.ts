import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'SIG-03',
  category: 'bad-signature',
  title: { en: 'Signed with a key that is not in the hub registry (to {partner})', ru: 'Подписан ключом, отсутствующим в реестре хаба (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: signature mismatch: public key not registered', ru: 'C.3, исключительная ситуация: несовпадение подписи — открытый ключ не зарегистрирован' },
  partners: 'one',
  document: { variant: 'unregistered-key' },
  // The hub must reject on ingest with this reason; the document must never reach the recipient.
  expect: {
    oracle: 'SIGNER_NOT_REGISTERED',
    hub: { status: 'Rejected', reasonCode: 'SIGNER_NOT_REGISTERED' },
    recipient: 'not-delivered',
  },
});
