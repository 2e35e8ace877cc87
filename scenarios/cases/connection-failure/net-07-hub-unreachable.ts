import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'NET-07',
  category: 'connection-failure',
  title: {
    en: 'Hub unreachable from {country} for two attempts, then the submission goes through',
    ru: 'Хаб недоступен для отправителя ({country}) при двух попытках, затем отправка проходит',
  },
  requirement: { en: 'C.3 exception scenario: connection failure (hub unreachable from a node)', ru: 'C.3, исключительная ситуация: сбой соединения (хаб недоступен для узла)' },
  partners: 'one',
  document: {},
  faults: [{ party: 'sender', fault: 'hub-unreachable', calls: 2 }],
  expect: {
    oracle: 'valid',
    hub: { status: 'Accepted' },
    recipient: { decision: 'accepted' },
    exchanges: 1,
  },
});
