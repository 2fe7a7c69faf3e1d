// The generate check (acceptance 2): `generate.mjs --check` passes on the
// committed files and fails once generated/tes.ts is edited by hand.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

async function check(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/generate.mjs', '--check', '--dir', dir], { cwd: root });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('scripts/generate.mjs --check', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'pn-generate-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('passes on an untouched copy of generated/', async () => {
    const dir = join(tmp, 'untouched');
    await cp(join(root, 'generated'), dir, { recursive: true });
    const result = await check(dir);
    expect(result.output).toContain('tes.ts is up to date');
    expect(result.code).toBe(0);
  }, 60_000);

  it('fails when tes.ts was edited by hand', async () => {
    const dir = join(tmp, 'edited');
    await cp(join(root, 'generated'), dir, { recursive: true });
    const file = join(dir, 'tes.ts');
    const text = await readFile(file, 'utf8');
    const edited = text.replace('export interface components {', 'export interface components {\n    handEdited: true;');
    expect(edited).not.toBe(text);
    await writeFile(file, edited);
    const result = await check(dir);
    expect(result.output).toContain('tes.ts differs from what the generator makes');
    expect(result.code).not.toBe(0);
  }, 60_000);
});
