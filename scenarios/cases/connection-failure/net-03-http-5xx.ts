import { defineCase } from '../../types.ts';
import { pushFaultDirection, pushFaultPartners } from '../../select.ts';

export default defineCase({
  id: 'NET-03',
  category: 'connection-failure',
  title: { en: "Recipient {partner} answers HTTP 503 three times, then recovers", ru: 'Получатель {partner} трижды отвечает HTTP 503, затем восстанавливается' },
  requirement: { en: 'C.3 exception scenario: connection failure: 5xx burst at the recipient', ru: 'C.3, исключительная ситуация: сбой соединения — серия ответов 5xx у получателя' },
  // A push delivery fault: a track-A country is the faulty recipient itself; a track-B country
  // sends to a track-A partner whose callback fails.
  direction: pushFaultDirection,
  partners: pushFaultPartners,
  document: {},
  faults: [{ party: 'recipient', fault: 'http-5xx', calls: 3 }],
  expect: {
    oracle: 'valid',
    hub: { status: 'Accepted' },
    recipient: { decision: 'accepted' },
    deliveryAttempts: { min: 4 },
  },
});
