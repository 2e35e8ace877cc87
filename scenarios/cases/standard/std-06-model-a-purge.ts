import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'STD-06',
  category: 'standard',
  title: {
    en: 'Model A: the hub purges the delivered PDF after its retention time, keeping metadata and status',
    ru: 'Модель A: хаб удаляет доставленный PDF по истечении срока хранения, сохраняя метаданные и статус',
  },
  requirement: { en: 'C.3 standard scenario; hub storage Model A (temporary caching)', ru: 'C.3, стандартный сценарий; хранение в хабе по модели A (временное кэширование)' },
  tags: ['model-a'],
  needs: ['test-clock'],
  partners: 'one',
  document: {},
  steps: [
    { do: 'issue' },
    { do: 'submit' },
    { do: 'receive' },
    { do: 'decide' },
    { do: 'await', status: 'terminal' },
    { do: 'advance-clock', hours: 24 * 31 },
    { do: 'await-purge' },
  ],
  expect: { oracle: 'valid', hub: { status: 'Accepted' }, recipient: { decision: 'accepted' }, documentPurged: true },
});
