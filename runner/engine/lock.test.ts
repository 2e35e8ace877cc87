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

describe('CaseLock per node', () => {
  it('gives a faulted node to one case while cases on other nodes run on', async () => {
    const lock = new CaseLock();
    const log: string[] = [];
    const job = (name: string, req: Parameters<CaseLock['run']>[0], ms = 10) =>
      lock.run(req, async () => {
        log.push(`+${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`-${name}`);
      });
    await Promise.all([
      job('fault-PK', { shared: ['UZ'], exclusive: ['PK'] }, 20),
      job('uses-PK', { shared: ['KG', 'PK'] }),
      job('elsewhere', { shared: ['AZ', 'TJ'] }),
    ]);
    // The case on AZ/TJ did not wait for the fault on PK; the case using PK did.
    expect(log.indexOf('+elsewhere')).toBeLessThan(log.indexOf('-fault-PK'));
    expect(log.indexOf('+uses-PK')).toBeGreaterThan(log.indexOf('-fault-PK'));
  });

  it('does not deadlock when two cases fault each other\u2019s nodes in opposite order', async () => {
    const lock = new CaseLock();
    const done = await Promise.all([
      lock.run({ exclusive: ['UZ', 'PK'] }, async () => 'a'),
      lock.run({ exclusive: ['PK', 'UZ'] }, async () => 'b'),
      lock.run({ alone: true }, async () => 'c'),
    ]);
    expect(done).toEqual(['a', 'b', 'c']);
  });
});
