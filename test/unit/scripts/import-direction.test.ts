import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '../../..');
const depcruise = join(repo, 'node_modules', '.bin', 'depcruise');

/** A tree with the repository's layer rules and the given source files. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  copyFileSync(join(repo, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function cruise(dir: string): Promise<{ code: number; out: string }> {
  return run(depcruise, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: dir }).then(
    ({ stdout }) => ({ code: 0, out: stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, out: error.stdout }),
  );
}

describe('import direction (.dependency-cruiser.cjs)', () => {
  const network = { 'src/network/pick.ts': 'export const pick = (n: number): number => n;\n' };

  it('passes a downward import', { timeout: 60_000 }, async () => {
    const dir = tree({ ...network, 'src/transfer/speed.ts': 'export const speed = 1;\n', 'src/network/use.ts': "import { speed } from '../transfer/speed.js';\nexport const s = speed;\n" });
    expect(await cruise(dir)).toMatchObject({ code: 0 });
  });

  it('fails on a planted upward import (transfer importing the network), naming both files', { timeout: 60_000 }, async () => {
    const dir = tree({ ...network, 'src/transfer/speed.ts': "import { pick } from '../network/pick.js';\nexport const speed = pick(1);\n" });
    const { code, out } = await cruise(dir);
    expect(code).not.toBe(0);
    expect(out).toMatch(/layer-\d-imports-upward: src\/transfer\/speed\.ts → src\/network\/pick\.ts/);
  });

  it('fails on a planted upward type-only import too', { timeout: 60_000 }, async () => {
    const dir = tree({ 'src/sites/site.ts': 'export interface Site { id: string }\n', 'src/contracts/spec.ts': "import type { Site } from '../sites/site.js';\nexport type Spec = { site: Site };\n" });
    const { code, out } = await cruise(dir);
    expect(code).not.toBe(0);
    expect(out).toMatch(/src\/contracts\/spec\.ts → src\/sites\/site\.ts/);
  });

  it('fails when one site adapter imports another, and passes the same code from src/executor', { timeout: 60_000 }, async () => {
    const user = (from: string): Record<string, string> => ({ 'src/sites/pulsar/command.ts': `import { quote } from '${from}';\nexport const q = quote('a');\n` });
    const quote = 'export const quote = (s: string): string => `"${s}"`;\n';
    const across = await cruise(tree({ 'src/sites/local/shell.ts': quote, ...user('../local/shell.js') }));
    expect(across.code).not.toBe(0);
    expect(across.out).toMatch(/adapters-independent: src\/sites\/pulsar\/command\.ts → src\/sites\/local\/shell\.ts/);
    expect(await cruise(tree({ 'src/executor/shell.ts': quote, ...user('../../executor/shell.js') }))).toMatchObject({ code: 0 });
  });
});
