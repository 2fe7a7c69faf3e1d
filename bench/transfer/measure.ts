/** Runs the bench's contenders as child processes and measures them the same way. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** One measured run: wall time, client CPU, full GCs (SDK only) and peak RSS growth (SDK) or peak RSS (peers). */
export interface Run {
  ms: number;
  cpuMs: number;
  majorGcs?: number;
  rss: number;
}

/** The SDK in its own process (bench/transfer/sdk.ts), optionally inside a network namespace. */
export async function sdk(args: string[], netns?: string): Promise<Run> {
  const node = [process.execPath, '--import', 'tsx', join(import.meta.dirname, 'sdk.ts'), ...args];
  const out = await run(netns ? ['ip', 'netns', 'exec', netns, ...node] : node);
  const line = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ms: number; cpuMs: number; majorGcs: number; rssGrowth: number };
  return { ms: line.ms, cpuMs: line.cpuMs, majorGcs: line.majorGcs, rss: line.rssGrowth };
}

/** A shell pipeline under GNU time: CPU of every process in it, the largest one's peak RSS. */
export async function shell(script: string, netns?: string): Promise<Run> {
  const timed = ['/usr/bin/time', '-f', '%e %U %S %M', 'sh', '-c', `set -e; ${script}`];
  const started = performance.now();
  const { stderr } = await runBoth(netns ? ['ip', 'netns', 'exec', netns, ...timed] : timed);
  const ms = performance.now() - started;
  const fields = stderr.trim().split('\n').pop()?.split(' ').map(Number) ?? [];
  const [, user = 0, system = 0, maxKiB = 0] = fields;
  return { ms, cpuMs: (user + system) * 1000, rss: maxKiB * 1024 };
}

/** Runs each contender `rounds` times, interleaved, and keeps each one's fastest run (the machine is shared). */
export async function race(contenders: Record<string, () => Promise<Run>>, rounds: number): Promise<Record<string, Run>> {
  const best: Record<string, Run> = {};
  for (let i = 0; i < rounds; i++) {
    for (const [name, go] of Object.entries(contenders)) {
      const result = await go();
      if (!best[name] || result.ms < best[name].ms) best[name] = result;
    }
  }
  return best;
}

async function run(argv: string[]): Promise<string> {
  return (await runBoth(argv)).stdout;
}

function runBoth(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`${argv.join(' ')} exited with ${code}: ${stderr.slice(-500)}`))));
  });
}
