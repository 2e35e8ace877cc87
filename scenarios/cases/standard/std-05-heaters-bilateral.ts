import { defineCase } from '../../types.ts';
import { tradesProduct } from '../../products.ts';

export default defineCase({
  id: 'STD-05',
  category: 'standard',
  title: {
    en: 'Electric heaters (HS 8516) certificate to {partner}',
    ru: 'Сертификат на электрообогреватели (ТН ВЭД 8516): {partner}',
  },
  requirement: { en: 'C.3 standard scenario; pilot product HS 8516 (bilateral)', ru: 'C.3, стандартный сценарий; пилотная продукция ТН ВЭД 8516 (двусторонний обмен)' },
  tags: ['hs-8516'],
  // Only the pairs allowed to trade the product (bilateral PK <-> UZ in the pilot) get the case.
  partners: (ctx) => tradesProduct(ctx, '8516'),
  document: { type: 'coc', hsCode: '851629' },
  expect: { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' } },
});
