import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'STD-01',
  category: 'standard',
  title: {
    en: 'Issue → exchange → verify → accept with {partner}',
    ru: 'Выдача → обмен → проверка → принятие: {partner}',
  },
  requirement: { en: 'C.3 standard scenario: issue → exchange → verify → accept', ru: 'C.3, стандартный сценарий: выдача → обмен → проверка → принятие' },
  tags: ['pair'],
  // One case per partner, so across the catalog every ordered country pair exchanges.
  partners: 'each',
  document: {},
  expect: {
    oracle: 'valid',
    hub: { status: 'Accepted' },
    recipient: { decision: 'accepted' },
  },
});
