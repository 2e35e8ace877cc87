import { defineCase } from '../../types.ts';

export default defineCase({
  id: 'EXP-06',
  category: 'expired-document',
  title: { en: 'Signing time in the future (to {partner})', ru: 'Время подписания в будущем (получатель {partner})' },
  requirement: { en: 'C.3 exception scenario: expired document: signing time after verification time', ru: 'C.3, исключительная ситуация: истёкший документ — время подписания позже времени проверки' },
  partners: 'one',
  document: { variant: 'future-signing-time' },
  expect: {
    oracle: 'SIGNING_TIME_IN_FUTURE',
    hub: { status: 'Rejected', reasonCode: 'SIGNING_TIME_IN_FUTURE' },
    recipient: 'not-delivered',
  },
});
