/** bench/pulsar helpers: job shapes, input files, child processes, curl rows. */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MIB = 1024 * 1024;

/** A job shape: `files` inputs of `mib` MiB each, each copied to an output. */
export interface Shape {
  name: string;
  files: number;
  mib: number;
}

/** The shapes of issue 22; `PULSAR_BENCH_SHAPES=small,medium` picks some, `PULSAR_BENCH_SCALE=0.1` shrinks files (quick checks). */
export function shapes(): Shape[] {
  const scale = Number(process.env.PULSAR_BENCH_SCALE ?? 1);
  const all: Shape[] = [
    { name: 'small', files: 200, mib: 1 },
    { name: 'medium', files: 10, mib: 100 },
    { name: 'large', files: 1, mib: 1024 },
  ].map((s) => ({ ...s, mib: Math.max(1, Math.round(s.mib * scale)) }));
  const wanted = process.env.PULSAR_BENCH_SHAPES?.split(',');
  return wanted ? all.filter((s) => wanted.includes(s.name)) : all;
}

/** Writes the shape's random inputs below `dir`; their paths and sha256s. */
export async function writeInputs(dir: string, shape: Shape): Promise<{ paths: string[]; sha256: string[] }> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  const sums: string[] = [];
  for (let i = 0; i < shape.files; i++) {
    const path = join(dir, `${shape.name}-${i}.bin`);
    const hash = createHash('sha256');
    const out = createWriteStream(path);
    for (let m = 0; m < shape.mib; m++) {
      const block = randomBytes(MIB);
      hash.update(block);
      if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));
    paths.push(path);
    sums.push(hash.digest('hex'));
  }
  return { paths, sha256: sums };
}

export async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What one client child process reports. */
export interface ClientRun {
  status: string;
  seconds: number;
  max_rss_kib: number;
  /** Node only: CPU seconds of the process (user + system). */
  cpu_seconds?: number;
  phases?: { stageIn: number; run: number; stageOut: number };
  failures?: string[];
  problems?: string[];
  /** Wall time of the whole process, imports included (measured here). */
  processSeconds: number;
}

/** Runs a child that prints one JSON line last, with its shape in a file. */
export async function runChild(command: string, args: string[], shapeFile: string, shape: object): Promise<ClientRun> {
  await writeFile(shapeFile, JSON.stringify(shape));
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(command, [...args, shapeFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      if (process.env.PULSAR_BENCH_TRACE) process.stderr.write(err);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) fail(new Error(`${command} exited ${code}: ${err.slice(-2000)}`));
      else done({ ...(JSON.parse(line) as ClientRun), processSeconds: (performance.now() - started) / 1000 });
    });
  });
}

/** Runs curl with a config file (one `url`/`upload-file`/`output` group per file); its wall time in seconds. */
export async function curlConfig(lines: string[], configFile: string, parallel: number): Promise<number> {
  await writeFile(configFile, `${lines.join('\n')}\n`);
  const args = ['-sS', '--fail', '-K', configFile, ...(parallel > 1 ? ['--parallel', '--parallel-max', String(parallel)] : [])];
  const started = performance.now();
  await new Promise<void>((done, fail) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`curl exited ${code}: ${err.slice(-500)}`))));
  });
  return (performance.now() - started) / 1000;
}
