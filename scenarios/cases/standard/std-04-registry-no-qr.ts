import { defineCase } from '../../types.ts';
import { registryPartners } from '../../select.ts';

export default defineCase({
  id: 'STD-04',
  category: 'standard',
  title: {
    en: 'Document without QR code verified by {partner} through registry lookup',
    ru: 'Документ без QR-кода проверен через реестр (получатель: {partner})',
  },
  requirement: { en: 'C.3 standard scenario; trust mechanism: registry lookup (alternative verification when a QR code is absent)', ru: 'C.3, стандартный сценарий; механизм доверия: запрос к реестру (альтернативная проверка при отсутствии QR-кода)' },
  tags: ['registry', 'no-qr'],
  partners: registryPartners,
  document: { qr: false },
  expect: { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' } },
});
