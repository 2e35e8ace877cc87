import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The one-way rule of docs/ARCHITECTURE.md: a room imports only from rooms to its left.
const ORDER: Record<string, number> = {
  protocol: 0,
  fixtures: 1,
  'mock-nodes': 2,
  'reference-hub': 2,
  scenarios: 3,
  runner: 4,
  reports: 5,
};
const ROOT = path.resolve(import.meta.dirname, '..');

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'out') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) yield full;
  }
}

export function violations(root: string): string[] {
  const found: string[] = [];
  for (const room of Object.keys(ORDER)) {
    const dir = path.join(root, room);
    if (!fs.existsSync(dir)) continue;
    for (const file of sourceFiles(dir)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        const targetRoom = path.relative(root, target).split(path.sep)[0]!;
        if (!(targetRoom in ORDER) || targetRoom === room) continue;
        // fixtures/ is the test material: a room's tests may use it even where its code may not.
        if (targetRoom === 'fixtures' && /\.test\.ts$/.test(file)) continue;
        const sideways = ORDER[targetRoom] === ORDER[room];
        if (ORDER[targetRoom]! > ORDER[room]! || sideways) found.push(`${path.relative(root, file)} imports ${targetRoom}/ (${m[1]})`);
      }
    }
  }
  return found;
}

describe('room dependencies', () => {
  it('flow one way: protocol <- fixtures <- mock-nodes, reference-hub <- scenarios <- runner <- reports', () => {
    expect(violations(ROOT)).toEqual([]);
  });

  it('the check itself catches a backwards import', () => {
    const tmp = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.arch-'));
    try {
      fs.mkdirSync(path.join(tmp, 'protocol'));
      fs.mkdirSync(path.join(tmp, 'mock-nodes'));
      fs.mkdirSync(path.join(tmp, 'reference-hub'));
      fs.writeFileSync(path.join(tmp, 'protocol', 'a.ts'), "import { x } from '../runner/x.ts';\n");
      fs.writeFileSync(path.join(tmp, 'mock-nodes', 'b.ts'), "import { y } from '../reference-hub/y.ts';\n");
      fs.writeFileSync(path.join(tmp, 'reference-hub', 'c.ts'), "import { z } from '../protocol/z.ts';\n");
      fs.writeFileSync(path.join(tmp, 'protocol', 'd.test.ts'), "import { pki } from '../fixtures/pki.ts';\n");
      fs.writeFileSync(path.join(tmp, 'protocol', 'e.test.ts'), "import { hub } from '../reference-hub/hub.ts';\n");
      expect(violations(tmp).sort()).toEqual([
        'mock-nodes/b.ts imports reference-hub/ (../reference-hub/y.ts)',
        'protocol/a.ts imports runner/ (../runner/x.ts)',
        'protocol/e.test.ts imports reference-hub/ (../reference-hub/hub.ts)',
      ]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
