/**
 * Runs a fixture program under a runtime and returns the scenario result it
 * printed (the `RESULT {...}` line). Fails with the program's output when it
 * cannot start, exits non-zero or prints no result.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
// @ts-expect-error -- a plain .mjs fixture (it runs unbundled in every runtime)
import { blobBytes } from '../fixtures/scenario.mjs';

/** The bearer token of the runtime scenario; the server checks it, no output may contain it. */
export const TOKEN = 'runtime-matrix-secret-token';

/** What fixtures/scenario.mjs returns. */
export interface ScenarioResult {
  label: string;
  runtime: string;
  hello: { hello: string; label: string; authorized: boolean };
  flaky: { calls: number; authorized: boolean };
  notFound: {
    thrown: boolean;
    name?: string;
    status?: number;
    isNotFoundError?: boolean;
    isPulsarNetworkError?: boolean;
    leaksToken?: boolean;
  };
  /** A Blob uploaded with transfer() and downloaded back into a WritableStream. */
  blob: { up: { size: number; sha256: string }; down: { size: number; sha256: string; received: number } };
  retries: string[];
  eventsLeakToken: boolean;
  error?: string;
}

/** Runs `command args` in `cwd` and parses its result line. */
export function runProgram(command: string, args: string[], cwd: string): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 90_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (error || !line) {
        reject(new Error(`${command} ${args.join(' ')} failed: ${error?.message ?? 'no RESULT line'}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        return;
      }
      resolve(JSON.parse(line.slice('RESULT '.length)) as ScenarioResult);
    });
  });
}

/** The assertions every runtime must pass, as one comparable object. */
export function expectedResult(label: string): Omit<ScenarioResult, 'runtime' | 'retries' | 'error'> {
  return {
    label,
    hello: { hello: 'pulsar-network', label, authorized: true },
    flaky: { calls: 2, authorized: true },
    notFound: {
      thrown: true,
      name: 'NotFoundError',
      status: 404,
      isNotFoundError: true,
      isPulsarNetworkError: true,
      leaksToken: false,
    },
    blob: { up: { size: BLOB.size, sha256: BLOB.sha256 }, down: { size: BLOB.size, sha256: BLOB.sha256, received: BLOB.size } },
    eventsLeakToken: false,
  };
}

/** Size and sha256 of the scenario's blob, computed here from the same bytes. */
export const BLOB = (() => {
  const bytes = blobBytes();
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
})();
