// PulsarClient against a real Pulsar (pulsar-app from scripts/peers/install-pulsar.sh):
// cancellation, lost jobs, auth errors without the token, failed launches, awkward
// file names, empty files, named managers, and a server restart during a job.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, AuthenticationError, TimeoutError } from '../../src/index.js';
import { PulsarClient } from '../../src/pulsar-entry.js';
import type { HttpEvent, PulsarJobStatus } from '../../src/internal.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';

const text = async (stream: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(stream).arrayBuffer());
let serial = 0;
const newId = (prefix: string) => `${prefix}-${process.pid}-${++serial}`;

async function until(client: PulsarClient, jobId: string, wanted: (s: PulsarJobStatus) => boolean): Promise<PulsarJobStatus> {
  for (let i = 0; i < 200; i++) {
    const status = await client.status(jobId);
    if (wanted(status)) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${jobId} never reached the wanted status`);
}

describe('PulsarClient against a real Pulsar', () => {
  let pulsar: PulsarServer;
  let client: PulsarClient;

  beforeAll(async () => {
    pulsar = await startPulsar();
    client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined });
  });
  afterAll(async () => {
    await pulsar?.stop();
  });

  it('reports the server version through healthz', async () => {
    expect(await client.healthz()).toEqual({ version: pulsar.version });
  });

  it('cancels a running job, which then ends cancelled', async () => {
    const job = await client.setup(newId('cancel'));
    await client.submit(job.jobId, { commandLine: 'sleep 60' });
    await until(client, job.jobId, (s) => s.status === 'running');
    await client.cancel(job.jobId);
    const final = await client.wait(job.jobId, { interval: 100, timeout: 30_000 });
    expect(final.status).toBe('cancelled');
    expect(final.complete).toBe(true);
    // Cancelling again is a no-op that still answers OK.
    await client.cancel(job.jobId);
    expect((await client.status(job.jobId)).status).toBe('cancelled');
    await client.clean(job.jobId);
  });

  it('reports an unknown job, and a cleaned one, as lost', async () => {
    const unknown = await client.status(newId('never-set-up'));
    expect(unknown).toMatchObject({ status: 'lost', complete: true, terminal: true, returnCode: null });
    const job = await client.setup(newId('cleaned'));
    expect((await client.status(job.jobId)).status).toBe('preprocessing');
    await client.clean(job.jobId);
    expect((await client.status(job.jobId)).status).toBe('lost');
  });

  it('raises AuthenticationError for a wrong token, without the token anywhere in it', async () => {
    const token = 'wrong-token-0f3c9d8e7b6a5';
    const events: HttpEvent[] = [];
    const bad = new PulsarClient({ url: pulsar.url, token, onEvent: (e) => events.push(e) });
    for (const call of [() => bad.status('x'), () => bad.setup('x'), () => bad.upload('x', 'a.txt', 'input', 'data'), () => bad.healthz()]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AuthenticationError);
      const e = error as AuthenticationError;
      expect(e.status).toBe(401);
      for (const shown of [e.message, e.stack ?? '', JSON.stringify(e), JSON.stringify(e.toJSON()), String(e)]) {
        expect(shown).not.toContain(token);
      }
    }
    expect(JSON.stringify(events)).not.toContain(token);
    // A 401 is permanent: one attempt per call, no retries.
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(0);
    // The token given in the URL's user-info part is used and hidden the same way.
    const inUrl = new URL(pulsar.url);
    inUrl.username = pulsar.token ?? '';
    expect(await new PulsarClient({ url: inUrl }).healthz()).toEqual({ version: pulsar.version });
  });

  it('shows a job the server cannot launch as failed (submit still answered OK)', async () => {
    const job = await client.setup(newId('no-launch'));
    // An installed dependency without a repository name: Pulsar's launch raises after
    // the submit already answered OK.
    await client.submit(job.jobId, {
      commandLine: 'echo never runs > ../outputs/o',
      dependenciesDescription: { requirements: [], installed_tool_dependencies: [{}] },
    });
    const final = await client.wait(job.jobId, { interval: 100, timeout: 30_000 });
    expect(final.status).toBe('failed');
    expect(final.returnCode).toBe(1);
    // The launch error went to <job dir>/stderr, which the REST API lists but cannot serve.
    expect(final.listings?.job).toEqual(expect.arrayContaining(['stderr', 'preprocessing_failed']));
    expect(final.listings?.outputs).toEqual([]);
    await client.clean(job.jobId);
  });

  it('round-trips a file name with spaces and non-ASCII letters, and an empty file', async () => {
    const job = await client.setup(newId('names'));
    const name = 'dir with space/naïve ünïcødé ✓ ε.txt';
    const bytes = new TextEncoder().encode('größe\n✓\n');
    const remote = await client.upload(job.jobId, name, 'input', bytes);
    expect(remote).toBe(`${job.directories.inputs}/${name}`);
    const emptyFromStream = await client.upload(job.jobId, 'empty stream', 'input', () => new Blob([]).stream(), 0);
    await client.upload(job.jobId, 'empty.bin', 'input', new Uint8Array(0));
    const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
    await client.submit(job.jobId, {
      commandLine: `mkdir -p '../outputs/dir with space' && cp ${q(remote)} ${q(`../outputs/${name}`)} && cp ${q(emptyFromStream)} '../outputs/empty out' && cp ../inputs/empty.bin ../outputs/empty.bin`,
    });
    const final = await client.wait(job.jobId, { interval: 100, timeout: 30_000 });
    expect(final.status).toBe('complete');
    expect(final.returnCode).toBe(0);
    expect([...(final.listings?.outputs ?? [])].sort()).toEqual([name, 'empty out', 'empty.bin'].sort());
    expect(await text(await client.download(job.jobId, name))).toEqual(bytes);
    expect(await text(await client.download(job.jobId, 'empty out'))).toEqual(new Uint8Array(0));
    expect(await text(await client.download(job.jobId, 'empty.bin'))).toEqual(new Uint8Array(0));
    await client.clean(job.jobId);
  });

  it('skips a second submit of an active job (why submit is never replayed blindly)', async () => {
    const job = await client.setup(newId('twice'));
    await client.submit(job.jobId, { commandLine: 'sleep 1; echo first > ../outputs/first' });
    await client.submit(job.jobId, { commandLine: 'echo second > ../outputs/second' });
    const final = await client.wait(job.jobId, { interval: 100, timeout: 30_000 });
    expect(final.status).toBe('complete');
    expect(final.listings?.outputs).toEqual(['first']);
    await client.clean(job.jobId);
  });
});

describe('PulsarClient with a named manager', () => {
  let pulsar: PulsarServer;
  beforeAll(async () => {
    pulsar = await startPulsar({ manager: { name: 'alt' } });
  });
  afterAll(async () => {
    await pulsar?.stop();
  });

  it('runs a job below /managers/{name}/', async () => {
    const client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined, manager: 'alt' });
    const job = await client.setup(newId('managed'));
    await client.submit(job.jobId, { commandLine: 'echo managed > ../outputs/o' });
    const final = await client.wait(job.jobId, { interval: 100, timeout: 30_000 });
    expect(final.status).toBe('complete');
    expect(new TextDecoder().decode(await text(await client.download(job.jobId, 'o')))).toBe('managed\n');
  });
});

describe('PulsarClient across a Pulsar restart', () => {
  let pulsar: PulsarServer;
  beforeAll(async () => {
    pulsar = await startPulsar();
  });
  afterAll(async () => {
    await pulsar?.stop();
  });

  it('rides over the outage; Pulsar 0.16 then reports the interrupted job running until it is cancelled', async () => {
    const events: HttpEvent[] = [];
    const client = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined, onEvent: (e) => events.push(e) });
    const job = await client.setup(newId('restart'));
    await client.submit(job.jobId, { commandLine: 'sleep 5; echo done > ../outputs/o' });
    await until(client, job.jobId, (s) => s.status === 'running');

    const seen: Array<{ status: string; afterRestart: boolean }> = [];
    let restarted = false;
    const stop = new AbortController();
    const outcome = client
      .wait(job.jobId, {
        interval: 200,
        timeout: 120_000,
        signal: stop.signal,
        onStatus: (s) => {
          seen.push({ status: s.status, afterRestart: restarted });
          if (s.terminal || seen.filter((x) => x.afterRestart).length >= 3) stop.abort();
        },
      })
      .then(
        (s) => s,
        (e: unknown) => e,
      );
    await pulsar.restart({ downMs: 1500 });
    restarted = true;
    const ended = await outcome;

    // The client rode over the outage: polls failed with connection errors, were
    // retried, and statuses kept arriving from the restarted server.
    expect(events.some((e) => e.type === 'retry' && /ConnectionError/.test(e.reason))).toBe(true);
    expect(ended, JSON.stringify(ended).slice(0, 300)).toBeInstanceOf(AbortError);
    const after = seen.filter((s) => s.afterRestart).map((s) => s.status);
    expect(after).toEqual(['running', 'running', 'running']);
    // The restarted Pulsar lost its monitor of the job and keeps reporting `running`,
    // so a wait ends at its own deadline instead of hanging...
    const deadline = await client.wait(job.jobId, { interval: 200, timeout: 2_000 }).catch((e: unknown) => e);
    expect(deadline).toBeInstanceOf(TimeoutError);
    expect((deadline as TimeoutError).scope).toBe('wait');
    expect((deadline as TimeoutError).message).toMatch(/last status running/);
    // ...even once the command itself has finished (it runs in its own process group).
    const returnCode = `${pulsar.stagingDir}/${job.jobId}/return_code`;
    for (let i = 0; i < 100 && !existsSync(returnCode); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(returnCode)).toBe(true);
    expect((await client.status(job.jobId)).status).toBe('running');
    // Cancelling is the way out: the job becomes terminal.
    await client.cancel(job.jobId);
    expect((await client.status(job.jobId)).status).toBe('cancelled');
  });
});
