import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'NET-01',
  category: 'connection-failure',
  title: {
    en: '{country} offline when a document from {partner} arrives, then back',
    ru: 'Узел получателя ({country}) недоступен, когда поступает документ (отправитель: {partner}), затем восстанавливается',
  },
  requirement: { en: 'C.3 exception scenario: connection failure (recipient offline, then recovers)', ru: 'C.3, исключительная ситуация: сбой соединения (получатель недоступен, затем восстанавливается)' },
  // The country receives: a push recipient refuses the hub's connections, a pull recipient
  // cannot reach the hub to pull; either way the document must arrive once it is back.
  direction: 'inbound',
  partners: 'one',
  document: {},
  faults: [{ party: 'recipient', fault: 'offline', calls: 2 }],
  expect: {
    oracle: 'valid',
    hub: { status: 'Accepted' },
    recipient: { decision: 'accepted' },
  },
});
