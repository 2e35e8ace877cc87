import { defineCase } from '../../types.ts';
import { pushFaultDirection, pushFaultPartners } from '../../select.ts';

export default defineCase({
  id: 'NET-09',
  category: 'connection-failure',
  title: { en: "Recipient {partner} answers without an acknowledgement", ru: 'Получатель {partner} отвечает без подтверждения' },
  requirement: { en: 'C.3 exception scenario: connection failure: missing acknowledgement (the hub must retry)', ru: 'C.3, исключительная ситуация: сбой соединения — нет подтверждения получения (хаб должен повторить доставку)' },
  // A push delivery fault: a track-A country is the faulty recipient itself; a track-B country
  // sends to a track-A partner whose callback fails.
  direction: pushFaultDirection,
  partners: pushFaultPartners,
  document: {},
  faults: [{ party: 'recipient', fault: 'missing-ack', calls: 1 }],
  expect: {
    oracle: 'valid',
    hub: { status: 'Accepted' },
    recipient: { decision: 'accepted' },
    deliveryAttempts: { min: 2 },
  },
});
