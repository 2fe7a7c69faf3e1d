// Acceptance 1 of issue 20: the packed tarball, installed with --omit=optional
// into fresh projects as a user makes them (ESM TypeScript, strict, with
// `moduleResolution: bundler` and with `node16`; CommonJS; Deno), where every
// ```ts block of the README and of the guides it ships (docs/) compiles, and
// the runnable ones run.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script (also run from the command line)
import { asModule, readmeSnippets } from '../../scripts/readme-snippets.mjs';
import { requireRuntime, runtimePaths } from '../peers/runtimes.js';
import { ensureTarball } from './support/global-setup.js';

interface Snippet {
  line: number;
  code: string;
  run: boolean;
  denoOnly: boolean;
}

const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SNIPPETS: Snippet[] = readmeSnippets(await readFile(join(ROOT, 'README.md'), 'utf8'));
/** The ts blocks of the guides the package ships (docs/*.md), with the file each is in. */
const GUIDES = (await readdir(join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).sort();
const GUIDE_SNIPPETS: Array<Snippet & { file: string }> = [];
for (const file of GUIDES) for (const s of readmeSnippets(await readFile(join(ROOT, 'docs', file), 'utf8')) as Snippet[]) GUIDE_SNIPPETS.push({ ...s, file });

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function sh(command: string, args: string[], cwd: string, timeout = 170_000): Promise<Result> {
  return new Promise((done) => {
    execFile(command, args, { cwd, timeout, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** A TypeScript consumer project: its package.json type and its compiler options. */
const TS_PROJECTS = [
  { name: 'ESM, strict, moduleResolution bundler', dir: 'esm-bundler', type: 'module', module: 'esnext', resolution: 'bundler' },
  { name: 'ESM, strict, moduleResolution node16', dir: 'esm-node16', type: 'module', module: 'node16', resolution: 'node16' },
  { name: 'CommonJS, strict, moduleResolution node16', dir: 'cjs', type: 'commonjs', module: 'node16', resolution: 'node16' },
] as const;

let base: string;
const installs = new Map<string, { ms: number }>();

async function project(dir: string, type: string, tarball: string): Promise<string> {
  const at = join(base, dir);
  await mkdir(at, { recursive: true });
  await writeFile(join(at, 'package.json'), JSON.stringify({ name: `consumer-${dir}`, private: true, type }, null, 2));
  const started = Date.now();
  const install = await sh('npm', ['install', '--omit=optional', '--no-audit', '--no-fund', '--prefer-offline', tarball], at);
  if (install.code !== 0) throw new Error(`npm install in ${dir} failed:\n${install.stderr}`);
  installs.set(dir, { ms: Date.now() - started });
  await cp(join(ROOT, 'test', 'runtime', 'consumer', 'ambient.d.ts'), join(at, 'ambient.d.ts'));
  return at;
}

/** Writes every snippet as `snippet-<line>.ts` (wrapped: imports on top, the rest in an async function). */
async function writeSnippets(at: string, snippets: Snippet[]): Promise<void> {
  for (const s of snippets) await writeFile(join(at, `snippet-${s.line}.ts`), asModule(s.code));
}

/** tsc's errors, each pointed back at its README line. */
function readmeErrors(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => /error TS/.test(l))
    .map((l) => l.replace(/snippet-(\d+)\.ts\((\d+),\d+\)/, (_m, line: string, at: string) => `README.md:${Number(line) + Number(at) - 2}`));
}

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'pn-consumer-'));
  const tarball = await ensureTarball();
  await Promise.all([...TS_PROJECTS.map((p) => project(p.dir, p.type, tarball)), project('deno', 'module', tarball)]);
}, 600_000);

afterAll(async () => {
  if (base) await rm(base, { recursive: true, force: true });
});

describe('the packed package in fresh consumer projects', () => {
  it('installs with --omit=optional without better-sqlite3 (nothing compiled on install)', async () => {
    for (const dir of installs.keys()) {
      expect(existsSync(join(base, dir, 'node_modules', 'pulsar-network', 'package.json')), dir).toBe(true);
      expect(existsSync(join(base, dir, 'node_modules', 'better-sqlite3')), dir).toBe(false);
    }
    const du = await sh('du', ['-sk', 'node_modules'], join(base, 'esm-node16'));
    const pkg = await sh('du', ['-sk', 'node_modules/pulsar-network'], join(base, 'esm-node16'));
    const kB = (r: Result) => Number(r.stdout.split('\t')[0]);
    console.log(
      `consumer installs: ${[...installs].map(([d, { ms }]) => `${d} ${(ms / 1000).toFixed(1)} s`).join(', ')}; ` +
        `node_modules ${(kB(du) / 1024).toFixed(1)} MiB, of which pulsar-network ${(kB(pkg) / 1024).toFixed(1)} MiB`,
    );
    const maps = await sh('find', ['node_modules/pulsar-network', '-name', '*.map'], join(base, 'esm-node16'));
    expect(maps.stdout.trim()).toBe('');
  });

  it.each(TS_PROJECTS)('every README ts block compiles: $name', async ({ dir, module, resolution }) => {
    const at = join(base, dir);
    await writeSnippets(at, SNIPPETS.filter((s) => !s.denoOnly));
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module,
        moduleResolution: resolution,
        lib: ['es2023', 'dom'],
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        skipLibCheck: false,
      },
      include: ['*.ts'],
    };
    await writeFile(join(at, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const tsc = await sh(process.execPath, [TSC, '-p', 'tsconfig.json'], at);
    expect(readmeErrors(tsc.stdout), tsc.stdout).toEqual([]);
    expect(tsc.code).toBe(0);
  });

  it.each(SNIPPETS.filter((s) => s.run))('the runnable README block at line $line runs on Node (ESM and CommonJS)', async (snippet) => {
    for (const dir of ['esm-node16', 'cjs']) {
      const at = join(base, dir, `run-${snippet.line}`);
      await mkdir(at, { recursive: true });
      const source = join(base, dir, `run-${snippet.line}.ts`);
      // ESM runs the block as written (top-level await); CommonJS runs it wrapped.
      await writeFile(source, dir === 'cjs' ? `${asModule(snippet.code)}void snippet();\n` : snippet.code);
      const tsc = await sh(process.execPath, [TSC, '--strict', '--target', 'es2022', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types'), '--outDir', at, source], join(base, dir));
      expect(tsc.stdout, dir).toBe('');
      const run = await sh(process.execPath, [join(at, `run-${snippet.line}.js`)], at);
      expect(run.code, `${dir}: ${run.stderr}`).toBe(0);
      expectFirstJob(run.stdout, at);
      expect(await readFile(join(at, 'hello.txt'), 'utf8')).toBe('hello world\n');
    }
  });

  it('every ts block of the guides shipped in docs/ compiles (ESM, strict, moduleResolution bundler)', async () => {
    expect(GUIDE_SNIPPETS.length).toBeGreaterThan(0);
    const at = join(base, 'esm-bundler', 'guides');
    await mkdir(at, { recursive: true });
    await cp(join(ROOT, 'test', 'runtime', 'consumer', 'ambient.d.ts'), join(at, 'ambient.d.ts'));
    const names = new Map<string, string>();
    for (const s of GUIDE_SNIPPETS) {
      const name = `${s.file.replace(/\.md$/, '')}-${s.line}.ts`;
      names.set(name, `docs/${s.file}:${s.line}`);
      // As written (a module with top-level await), not wrapped: a guide may export what it defines.
      await writeFile(join(at, name), `${s.code}\nexport {};\n`);
    }
    const tsconfig = {
      compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', lib: ['es2023', 'dom'], types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
      include: ['*.ts'],
    };
    await writeFile(join(at, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const tsc = await sh(process.execPath, [TSC, '-p', 'tsconfig.json'], at);
    const errors = tsc.stdout.split('\n').filter((l) => /error TS/.test(l)).map((l) => l.replace(/^([\w-]+-\d+\.ts)\((\d+),\d+\)/, (_m, f: string, line: string) => `${names.get(f)} +${Number(line) - 1}`));
    expect(errors, tsc.stdout).toEqual([]);
    expect(tsc.code).toBe(0);
  });

  it('every README ts block type-checks on Deno, and the runnable ones run', async () => {
    const deno = requireRuntime(runtimePaths().deno, 'install-runtimes.sh');
    const at = join(base, 'deno');
    await writeSnippets(at, SNIPPETS);
    const files = SNIPPETS.map((s) => `snippet-${s.line}.ts`);
    for (const f of files) await writeFile(join(at, f), `/// <reference path="./ambient.d.ts" />\n${await readFile(join(at, f), 'utf8')}`);
    const check = await sh(deno, ['check', '--quiet', ...files], at);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    for (const snippet of SNIPPETS.filter((s) => s.run)) {
      const dir = join(at, `run-${snippet.line}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(at, `run-${snippet.line}.ts`), snippet.code);
      const run = await sh(deno, ['run', '--quiet', '--allow-all', join(at, `run-${snippet.line}.ts`)], dir);
      expect(run.code, run.stderr).toBe(0);
      expectFirstJob(run.stdout, dir);
    }
  });
});

/** What the README's first job prints: states without `undefined`, each file's transfer once, the end. */
function expectFirstJob(stdout: string, dir: string): void {
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('queued');
  expect(stdout).not.toContain('undefined');
  expect(lines.filter((l) => l.startsWith('up '))).toEqual(['up /data/name.txt 5']);
  expect(lines.filter((l) => l.startsWith('down '))).toEqual([`down ${join(dir, 'hello.txt')} 12`]);
  expect(lines.at(-2)).toMatch(/ -> complete$/);
  expect(lines.at(-1)).toBe('complete 12');
}
