import { defineCase } from '../../types.ts';
import { pushFaultDirection, pushFaultPartners } from '../../select.ts';

export default defineCase({
  id: 'NET-08',
  category: 'connection-failure',
  title: { en: "Recipient {partner} acknowledges with a wrong exchange id", ru: 'Получатель {partner} подтверждает с неверным идентификатором обмена' },
  requirement: { en: 'C.3 exception scenario: connection failure: wrong acknowledgement (the hub must not count it as delivered)', ru: 'C.3, исключительная ситуация: сбой соединения — неверное подтверждение (хаб не должен считать документ доставленным)' },
  // A push delivery fault: a track-A country is the faulty recipient itself; a track-B country
  // sends to a track-A partner whose callback fails.
  direction: pushFaultDirection,
  partners: pushFaultPartners,
  document: {},
  faults: [{ party: 'recipient', fault: 'wrong-ack', calls: 1 }],
  expect: {
    oracle: 'valid',
    hub: { status: 'Accepted' },
    recipient: { decision: 'accepted' },
    deliveryAttempts: { min: 2 },
  },
});
