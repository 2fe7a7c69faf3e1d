import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = join(import.meta.dirname, '../../../scripts/check-examples.mjs');

function sourceDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'examples-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const good = `/**
 * Doubles a number.
 *
 * @example
 * \`\`\`ts
 * const tes = new TesClient({ baseUrl: 'https://tes.example.org/ga4gh/tes/v1' });
 * console.log(double(2), tes.http.baseUrl.href);
 * \`\`\`
 */
export function double(n: number): number {
  return 2 * n;
}
`;

// Needs the built package (npm run build), as in CI where the lint step runs after it.
describe('scripts/check-examples.mjs', () => {
  it('passes examples that compile, with public and internal names in scope', { timeout: 60_000 }, async () => {
    const { stdout } = await run('node', [script, '--src', sourceDir({ 'good.ts': good })]);
    expect(stdout).toContain('1 checked, 1 compile, 0 do not');
  });

  it('fails on a planted example that drifted from the API, naming its file and line', { timeout: 60_000 }, async () => {
    const bad = good.replace('double(2)', "double('two')").replace("baseUrl: 'https", "url: 'https");
    const dir = sourceDir({ 'good.ts': good, 'bad.ts': bad });
    const failure = await run('node', [script, '--src', dir]).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain('2 checked, 1 compile, 1 do not');
    expect(failure?.stderr).toMatch(/bad\.ts:7: .*'"two"'|bad\.ts:7: .*string/);
    expect(failure?.stderr).toMatch(/bad\.ts:6: .*'url'/);
  });
});
