import { describe, expect, it } from 'vitest';
import { LANGS } from './i18n.ts';
import { REASON_CODES } from './reason-codes.ts';
import { checkLabel, checkMessages, indicationLabel, reasonMessages, reasonText } from './reason-messages.ts';
import { CHECK_NAMES } from './types.ts';

describe('reason messages', () => {
  it('every reason code has an English and a Russian message, and no message is left over', () => {
    expect([...reasonMessages.keys].sort()).toEqual(Object.keys(REASON_CODES).sort());
    for (const lang of LANGS) for (const code of reasonMessages.keys) expect(reasonMessages.message(lang, code)).not.toBe('');
    expect(reasonMessages.message('ru', 'SIGNER_REVOKED')).toMatch(/[а-я]/);
  });

  it('renders parameters and the select branches', () => {
    const params = { keyId: 'UZ:0123456789abcdef', revokedAt: '2025-06-01', reason: 'keyCompromise' };
    expect(reasonText('en', 'SIGNER_REVOKED', params)).toBe('The signer key UZ:0123456789abcdef was revoked in the registry on 2025-06-01 (keyCompromise).');
    expect(reasonText('ru', 'SIGNER_REVOKED', { ...params, revokedAt: 'none', reason: 'none' })).toBe('Ключ подписанта UZ:0123456789abcdef отозван в реестре.');
    expect(reasonText('en', 'BYTE_RANGE_INVALID', { problem: 'start' })).toContain('does not start at 0');
    expect(reasonText('en', 'NOT_A_CODE')).toBe('NOT_A_CODE');
  });

  it('labels every check and indication in both languages', () => {
    for (const lang of LANGS) {
      for (const c of CHECK_NAMES) expect(checkLabel(lang, c)).not.toContain('check.');
      expect(indicationLabel(lang, 'TOTAL_PASSED')).not.toContain('indication.');
    }
    expect(checkMessages.t('ru', 'check.publicKey')).toBe('Открытый ключ');
  });
});
