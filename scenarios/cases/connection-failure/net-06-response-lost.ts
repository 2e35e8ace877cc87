import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'NET-06',
  category: 'connection-failure',
  title: {
    en: "Hub's answer to {country}'s submission lost: retry with the same idempotency key makes one exchange",
    ru: 'Ответ хаба отправителю ({country}) потерян: повтор с тем же ключом идемпотентности даёт один обмен',
  },
  requirement: { en: 'C.3 exception scenario: connection failure (response lost after the hub accepted)', ru: 'C.3, исключительная ситуация: сбой соединения (ответ потерян после того, как хаб принял документ)' },
  partners: 'one',
  document: {},
  faults: [{ party: 'sender', fault: 'response-lost', calls: 1 }],
  expect: {
    oracle: 'valid',
    hub: { status: 'Accepted' },
    recipient: { decision: 'accepted' },
    exchanges: 1,
  },
});
