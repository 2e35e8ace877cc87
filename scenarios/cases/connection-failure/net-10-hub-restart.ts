import { defineCase } from '../../types.ts';
import { partnersOf } from '../../select.ts';

export default defineCase({
  id: 'NET-10',
  category: 'connection-failure',
  title: {
    en: 'Hub stops abruptly with a delivery to {partner} pending; after restart it is delivered exactly once',
    ru: 'Хаб аварийно останавливается при ожидающей доставке для {partner}; после перезапуска документ доставлен ровно один раз',
  },
  requirement: 'C.3 exception scenario: connection failure (hub outage; pending deliveries survive a crash)',
  needs: ['hub-restart'],
  // The delivery waits in a pull recipient's inbox, so the restart happens while it is pending
  // however fast the machine is: the country receives if it pulls, else it sends to a puller.
  direction: (ctx) => (ctx.profile.track === 'B' ? 'inbound' : 'outbound'),
  partners: (ctx) => (ctx.profile.track === 'B' ? partnersOf(ctx) : partnersOf(ctx).filter((c) => ctx.profiles.find((p) => p.code === c)?.track === 'B')),
  document: {},
  steps: [
    { do: 'issue' },
    { do: 'submit' },
    { do: 'await-pending' },
    { do: 'restart-hub' },
    { do: 'receive' },
    { do: 'decide' },
    { do: 'await', status: 'terminal' },
  ],
  expect: { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' } },
});
