import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = join(import.meta.dirname, '../../../scripts/check-sizes.mjs');

async function check(files: Record<string, string>): Promise<{ code: number; err: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sizes-'));
  mkdirSync(join(dir, 'src'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'src', name), text);
  return run(process.execPath, [script, 'src'], { cwd: dir }).then(
    ({ stderr }) => ({ code: 0, err: stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, err: error.stderr }),
  );
}

const body = (lines: number): string => Array.from({ length: lines }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('scripts/check-sizes.mjs', () => {
  it('passes small files and short functions', async () => {
    expect(await check({ 'a.ts': `export function small(): void {\n${body(70)}\n}\n` })).toEqual({ code: 0, err: '' });
  });

  it('fails on a function over 80 lines, naming it', async () => {
    const { code, err } = await check({ 'a.ts': `export const long = (): void => {\n${body(85)}\n};\n` });
    expect(code).toBe(1);
    expect(err).toContain('src/a.ts:1: function long is 87 lines (at most 80)');
  });

  it('fails on a file over 400 lines', async () => {
    const { code, err } = await check({ 'big.ts': Array.from({ length: 401 }, (_, i) => `export const c${i} = ${i};`).join('\n') + '\n' });
    expect(code).toBe(1);
    expect(err).toContain('src/big.ts: 401 lines (at most 400)');
  });
});
