import { defineCase } from '../../types.ts';
import { pushFaultDirection, pushFaultPartners } from '../../select.ts';

export default defineCase({
  id: 'NET-04',
  category: 'connection-failure',
  title: { en: "Connection to {partner} reset in the middle of delivery", ru: 'Соединение с получателем ({partner}) обрывается во время доставки' },
  requirement: { en: 'C.3 exception scenario: connection failure: connection reset mid-delivery', ru: 'C.3, исключительная ситуация: сбой соединения — обрыв соединения во время доставки' },
  // A push delivery fault: a track-A country is the faulty recipient itself; a track-B country
  // sends to a track-A partner whose callback fails.
  direction: pushFaultDirection,
  partners: pushFaultPartners,
  document: {},
  faults: [{ party: 'recipient', fault: 'reset', calls: 2 }],
  expect: {
    oracle: 'valid',
    hub: { status: 'Accepted' },
    recipient: { decision: 'accepted' },
    deliveryAttempts: { min: 3 },
  },
});
