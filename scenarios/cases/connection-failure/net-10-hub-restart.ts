import { defineCase } from '../../types.ts';
import { pushFaultDirection, pushFaultPartners } from '../../select.ts';

export default defineCase({
  id: 'NET-10',
  category: 'connection-failure',
  title: {
    en: 'Hub stops abruptly while a delivery to {partner} waits for retry; after restart it is delivered exactly once',
    ru: 'Хаб аварийно останавливается, пока доставка получателю ({partner}) ждёт повтора; после перезапуска документ доставлен ровно один раз',
  },
  requirement: { en: 'C.3 exception scenario: connection failure (hub outage; pending deliveries survive a crash and resume)', ru: 'C.3, исключительная ситуация: сбой соединения (отказ хаба; ожидающие доставки переживают сбой и возобновляются)' },
  needs: ['hub-restart', 'test-clock'],
  direction: pushFaultDirection,
  partners: pushFaultPartners,
  document: {},
  faults: [{ party: 'recipient', fault: 'down' }],
  steps: [
    { do: 'issue' },
    { do: 'submit' },
    // The first push fails (recipient down) and a retry is scheduled. Holding the hub's clock a
    // day back keeps that retry pending through the restart however slow the machine is.
    { do: 'await-attempt' },
    { do: 'advance-clock', hours: -24 },
    { do: 'restart-hub' },
    { do: 'clear-faults', party: 'recipient' },
    { do: 'advance-clock', hours: 24 },
    { do: 'receive' },
    { do: 'decide' },
    { do: 'await', status: 'terminal' },
  ],
  expect: { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' }, deliveryAttempts: { min: 2 } },
});
