import { defineCase } from '../../types.ts';
import { pushFaultDirection, pushFaultPartners } from '../../select.ts';

export default defineCase({
  id: 'NET-02',
  category: 'connection-failure',
  title: { en: "Recipient {partner} answers slower than the hub's time-out", ru: 'Получатель {partner} отвечает дольше тайм-аута хаба' },
  requirement: { en: "C.3 exception scenario: connection failure: recipient slower than the hub's timeout (the late delivery may arrive twice; the effect must be once)", ru: 'C.3, исключительная ситуация: сбой соединения — получатель отвечает дольше тайм-аута хаба (запоздалая доставка может прийти дважды; действие выполняется ровно один раз)' },
  // A push delivery fault: a track-A country is the faulty recipient itself; a track-B country
  // sends to a track-A partner whose callback fails.
  direction: pushFaultDirection,
  partners: pushFaultPartners,
  document: {},
  faults: [{ party: 'recipient', fault: 'slow', calls: 1 }],
  expect: {
    oracle: 'valid',
    hub: { status: 'Accepted' },
    recipient: { decision: 'accepted' },
    deliveryAttempts: { min: 2 },
  },
});
