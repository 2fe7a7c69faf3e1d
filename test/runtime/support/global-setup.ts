/**
 * Global setup of the runtime project: makes sure the packed tarball is
 * current (building and packing it when missing or older than the sources),
 * then installs it into a throw-away consumer project shared by the runtime
 * tests, with the fixture programs copied beside it.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The consumer project with the packed package installed. */
    consumerDir: string;
  }
}

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const PACK_DIR = join(ROOT, '.cache', 'pack');

async function newestSource(): Promise<number> {
  let newest = 0;
  for (const file of ['package.json', 'tsup.config.ts']) newest = Math.max(newest, (await stat(join(ROOT, file))).mtimeMs);
  for (const folder of ['src', 'generated']) {
    const entries = await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  return newest;
}

/** The path of a packed tarball that is not older than the sources. */
export async function ensureTarball(): Promise<string> {
  const existing = (await readdir(PACK_DIR).catch(() => [] as string[])).filter((f) => /^pulsar-network-.*\.tgz$/.test(f));
  if (existing.length === 1) {
    const tarball = join(PACK_DIR, existing[0]!);
    if ((await stat(tarball)).mtimeMs >= (await newestSource())) return tarball;
  }
  await rm(PACK_DIR, { recursive: true, force: true });
  await run('npm', ['run', '--silent', 'build'], { cwd: ROOT });
  await mkdir(PACK_DIR, { recursive: true });
  await run('npm', ['pack', '--silent', '--pack-destination', PACK_DIR], { cwd: ROOT });
  const packed = (await readdir(PACK_DIR)).filter((f) => f.endsWith('.tgz'));
  if (packed.length !== 1) throw new Error(`expected one tarball in ${PACK_DIR}, found ${packed.join(', ') || 'none'}`);
  return join(PACK_DIR, packed[0]!);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tarball = await ensureTarball();
  const dir = await mkdtemp(join(tmpdir(), 'pn-runtime-'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'runtime-consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: dir });
  await cp(join(ROOT, 'test', 'runtime', 'fixtures'), dir, { recursive: true });
  project.provide('consumerDir', dir);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
