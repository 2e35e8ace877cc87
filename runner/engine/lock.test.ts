import { describe, expect, it } from 'vitest';
import { CaseLock } from './lock.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('CaseLock', () => {
  it('runs shared holders together and an exclusive holder alone', async () => {
    const lock = new CaseLock();
    const log: string[] = [];
    let active = 0;
    let maxWithWriter = 0;
    const shared = (name: string) =>
      lock.run(false, async () => {
        active++;
        log.push(`+${name}`);
        await tick();
        active--;
        log.push(`-${name}`);
      });
    const exclusive = lock.run(true, async () => {
      maxWithWriter = Math.max(maxWithWriter, active);
      log.push('+W');
      await tick();
      log.push('-W');
    });
    await Promise.all([shared('a'), exclusive, shared('b')]);
    expect(maxWithWriter).toBe(0);
    // The writer waits for nothing that started before it; readers that came after wait for it.
    expect(log.indexOf('-W')).toBeLessThan(log.indexOf('+b'));
    expect(log.indexOf('+W')).toBeLessThan(log.indexOf('-W'));
  });

  it('lets the next holders in after an exception', async () => {
    const lock = new CaseLock();
    await expect(lock.run(true, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run(false, async () => 7)).resolves.toBe(7);
    await expect(lock.run(true, async () => 8)).resolves.toBe(8);
  });
});
