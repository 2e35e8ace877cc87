import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'STD-07',
  category: 'standard',
  title: {
    en: 'Exchange with {partner} stays private: a third country can neither read, list, fetch nor decide it',
    ru: 'Конфиденциальность обмена (получатель: {partner}): третья страна не может его прочитать, увидеть в списке, скачать или принять по нему решение',
  },
  requirement: { en: 'C.3 standard scenario; hub access control (nodes see only exchanges they send or receive)', ru: 'C.3, стандартный сценарий; контроль доступа хаба (узлы видят только обмены, которые отправляют или получают)' },
  tags: ['access-control'],
  partners: 'one',
  document: {},
  steps: [{ do: 'issue' }, { do: 'submit' }, { do: 'receive' }, { do: 'decide' }, { do: 'await', status: 'terminal' }, { do: 'probe-privacy' }],
  expect: { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' }, privateToParties: true },
});
