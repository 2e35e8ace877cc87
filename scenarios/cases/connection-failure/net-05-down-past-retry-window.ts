import { defineCase } from '../../types.ts';
import { pushFaultDirection, pushFaultPartners } from '../../select.ts';

export default defineCase({
  id: 'NET-05',
  category: 'connection-failure',
  title: {
    en: 'Recipient {partner} down past the retry window: the sender sees delivery failed',
    ru: 'Получатель {partner} недоступен дольше окна повторов: отправитель видит «доставка не удалась»',
  },
  requirement: { en: 'C.3 exception scenario: connection failure (recipient down past the retry window; nothing silently lost)', ru: 'C.3, исключительная ситуация: сбой соединения (получатель недоступен дольше окна повторов; ничего не теряется незаметно)' },
  direction: pushFaultDirection,
  partners: pushFaultPartners,
  document: {},
  faults: [{ party: 'recipient', fault: 'down' }],
  steps: [{ do: 'issue' }, { do: 'submit' }, { do: 'await', status: 'terminal', fastForward: true }],
  expect: {
    oracle: 'valid',
    hub: { status: 'FailedDelivery' },
    senderSees: 'FailedDelivery',
    recipient: 'not-delivered',
    deliveryAttempts: { min: 2 },
  },
});
