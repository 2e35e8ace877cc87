import { defineCase } from '../../types.ts';
import { trPartners } from '../../select.ts';

export default defineCase({
  id: 'STD-02',
  category: 'standard',
  title: { en: 'Test report (TR) exchanged and accepted by {partner}', ru: 'Протокол испытаний (TR) передан и принят: {partner}' },
  requirement: { en: 'C.3 standard scenario: issue → exchange → verify → accept (test report)', ru: 'C.3, стандартный сценарий: выдача → обмен → проверка → принятие (протокол испытаний)' },
  tags: ['tr'],
  partners: trPartners,
  document: { type: 'tr' },
  expect: { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' } },
});
