// Shared by the examples: the same small job for every kind of site, two inputs
// (one a local file, one inline), two executors, two outputs. Run an example,
// not this file.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobSpec } from '../src/index.js';

/** Makes a scratch folder with the input file, and the spec whose outputs land there. */
export async function poemJob(name: string): Promise<{ spec: JobSpec; here: string; report: () => Promise<void> }> {
  const here = await mkdtemp(join(tmpdir(), `pulsar-network-${name}-`));
  await writeFile(join(here, 'poem.txt'), 'the sea\nthe sky\nthe sea again\n');
  const spec: JobSpec = {
    name,
    inputs: [
      { path: '/data/poem.txt', url: join(here, 'poem.txt') },
      { path: '/data/word.txt', content: 'sea' },
    ],
    outputs: [
      { path: '/out/matches.txt', url: `file://${join(here, 'matches.txt')}` },
      { path: '/out/count.txt', url: join(here, 'count.txt') },
    ],
    executors: [
      // Images are ignored where the site runs without containers (allowNoContainer).
      { image: 'alpine:3', command: ['grep', '-F', '-f', '/data/word.txt', '/data/poem.txt'], stdout: '/out/matches.txt' },
      // (It takes a second, as real work does, so the running state shows.)
      { image: 'alpine:3', command: ['sh', '-c', 'sleep 1; wc -l < /out/matches.txt | tr -d " " > /out/count.txt'] },
    ],
  };
  const report = async (): Promise<void> => {
    console.log(`count.txt says ${(await readFile(join(here, 'count.txt'), 'utf8')).trim()} lines matched`);
  };
  return { spec, here, report };
}
