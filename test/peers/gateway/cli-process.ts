/**
 * Runs the `pulsar-network` command line from source as a real child process
 * (one node process, so a signal reaches the gateway itself).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The CLI's entry in the sources. */
export const CLI_MAIN = resolve(root, 'src/cli/main.ts');

/** The node arguments that run the CLI from source. */
export function cliArgs(args: string[]): string[] {
  // tsx by its resolved URL, so the CLI runs from any working directory
  return ['--import', import.meta.resolve('tsx'), CLI_MAIN, ...args];
}

/** Runs a CLI command to its end; resolves with its exit code and output. */
export function runCliProcess(args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, cliArgs(args), { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pulsar-network ${args.join(' ')} did not end within ${options.timeoutMs ?? 120_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A gateway started by `pulsar-network gateway --json`. */
export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  resumed: string[];
  /** What the gateway wrote to stderr so far. */
  stderr(): string;
}

/** Starts `pulsar-network gateway --config FILE --port 0 --json` and waits for its URL. */
export function startGatewayProcess(config: string, options: { env?: NodeJS.ProcessEnv } = {}): Promise<GatewayProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, cliArgs(['gateway', '--config', config, '--port', '0', '--json']), { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        const { url, resumed } = JSON.parse(line) as { url: string; resumed: string[] };
        resolvePromise({ child, url, resumed, stderr: () => stderr });
      }
    });
    child.on('close', (code) => reject(new Error(`the gateway ended (${code}) before serving:\n${stdout}\n${stderr}`)));
  });
}

/** Kills a child and waits until it is gone. */
export function killProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    child.once('close', () => resolvePromise());
    child.kill(signal);
  });
}
