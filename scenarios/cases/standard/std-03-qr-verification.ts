import { defineCase } from '../../types.ts';
import { qrPartners } from '../../select.ts';

export default defineCase({
  id: 'STD-03',
  category: 'standard',
  title: {
    en: 'Recipient {partner} verifies by QR code and hub lookup',
    ru: 'Получатель {partner} проверяет по QR-коду и запросу к хабу',
  },
  requirement: { en: 'C.3 standard scenario; trust mechanism: QR code', ru: 'C.3, стандартный сценарий; механизм доверия: QR-код' },
  tags: ['qr'],
  partners: qrPartners,
  document: { qr: true },
  expect: { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' } },
});
