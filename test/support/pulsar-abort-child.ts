/**
 * One aborted transfer against a real Pulsar, in a process of its own so its
 * parent can see what it leaves: run with `node --expose-gc --trace-warnings
 * --import tsx`. Environment: PULSAR_URL, PULSAR_TOKEN, FETCH (`node` for
 * nodeHttpFetch, `global`), CASE, and per case INPUT (a local file), JOB (a
 * finished job's id), DEST (a destination directory), ABORT_AFTER_MS. Prints one JSON line:
 * the error's name and the milliseconds from the abort to the rejection.
 * Then forces a garbage collection, so a file handle left open would be
 * reported ("Closing file descriptor N on garbage collection"), and ends on
 * its own: a promise that never settles ends it with exit code 13.
 */
import { join } from 'node:path';
import { fileSink, fileSource, nodeHttpFetch, nodeLocalFiles, PulsarClient, PulsarRestSite, type PulsarClientOptions } from '../../src/node.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};
const options: PulsarClientOptions = { url: env('PULSAR_URL'), token: env('PULSAR_TOKEN'), ...(env('FETCH') === 'node' ? { fetch: nodeHttpFetch } : {}) };
const controller = new AbortController();
let abortedAt = 0;
const abort = (): void => {
  if (abortedAt !== 0) return;
  abortedAt = Date.now();
  controller.abort(new Error('the user pressed stop'));
};
/** Aborts after `ms`, for transfers that report no progress on the way. */
const abortAfter = (ms: number): ReturnType<typeof setTimeout> => setTimeout(abort, ms);

async function run(): Promise<unknown> {
  const client = new PulsarClient(options);
  const site = new PulsarRestSite({ id: 'abort-test', client, files: nodeLocalFiles(), allowNoContainer: true, cleanup: 'always' });
  switch (env('CASE')) {
    case 'client-upload': {
      const job = await client.setup(`abort-client-upload-${env('FETCH')}-${process.pid}`);
      // ABORT_AFTER_MS: through a proxy that stalls the upload, no more progress comes: abort on a timer.
      const after = process.env.ABORT_AFTER_MS;
      const timer = after === undefined ? undefined : abortAfter(Number(after));
      return client
        .uploadFrom(job.jobId, 'big.bin', 'input', await fileSource(env('INPUT')), {
          signal: controller.signal,
          onProgress: (p) => after === undefined && p.bytesDone > 4 * 1024 * 1024 && !p.done && abort(),
        })
        .finally(() => clearTimeout(timer));
    }
    case 'site-upload': {
      // The site reports a local file's upload only at its start and end: abort on a timer, mid-upload.
      const timer = abortAfter(400);
      const spec = { inputs: [{ path: '/in/big.bin', url: env('INPUT') }], executors: [{ image: 'none', command: ['true'] }] };
      return site.submit(spec, { idempotencyKey: `abort-site-upload-${env('FETCH')}`, signal: controller.signal }).finally(() => clearTimeout(timer));
    }
    case 'client-download':
      return client.downloadTo(env('JOB'), 'root/out/big.bin', 'output_workdir', fileSink(join(env('DEST'), 'big.bin')), {
        signal: controller.signal,
        onProgress: (p) => p.bytesDone > 0 && !p.done && abort(),
      });
    case 'site-download':
      return site.collect(env('JOB'), undefined, { signal: controller.signal, onTransfer: (p) => p.bytesDone > 0 && !p.done && abort() });
    default:
      throw new Error(`unknown case ${env('CASE')}`);
  }
}

const outcome = await run().then(
  () => ({ name: 'resolved', ms: -1 }),
  (error: unknown) => ({ name: error instanceof Error ? error.name : String(error), message: error instanceof Error ? error.message : '', ms: abortedAt === 0 ? -1 : Date.now() - abortedAt }),
);
console.log(JSON.stringify(outcome));
(globalThis as { gc?: () => void }).gc?.();
await new Promise((resolve) => setTimeout(resolve, 300));
