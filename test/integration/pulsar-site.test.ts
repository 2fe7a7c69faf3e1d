/**
 * PulsarRestSite against a real Pulsar (pulsar-app, test/peers/pulsar.ts):
 * the unified-job acceptance suite (issue 6: 1, 2, 4) and the translation of
 * a task into one Pulsar job (uploads at container paths, one command line,
 * per-executor redirections and exit codes, env, outputs downloaded).
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, HttpError, Job, JobEngine, Network, nodeLocalFiles, parseManifest, PulsarClient, PulsarRestSite, pulsarRestSiteFactory, SiteRegistry, submitJob, UnknownJobError, ValidationError, type HttpEvent, type JobSpec } from '../../src/internal.js';
import { MANIFEST_FILE } from '../../src/sites/pulsar/command.js';
import { acceptanceSpec, describeAcceptance, EXPECTED } from './jobs-acceptance.js';
import { freePort, startPulsar, type PulsarServer } from '../peers/pulsar.js';

const POLL = { minIntervalMs: 100, maxIntervalMs: 300 };
const engine = new JobEngine({ poll: POLL });
let pulsar: PulsarServer;
let site: PulsarRestSite;
let dir: string;

const newSite = (): PulsarRestSite =>
  new PulsarRestSite({ id: 'real-pulsar', client: { url: pulsar.url, token: pulsar.token ?? undefined }, files: nodeLocalFiles(), allowNoContainer: true });

beforeAll(async () => {
  pulsar = await startPulsar({ manager: { concurrentJobs: 4 } });
  site = newSite();
  dir = await mkdtemp(join(tmpdir(), 'pulsar-site-test-'));
});
afterAll(async () => {
  await pulsar?.stop();
  await rm(dir, { recursive: true, force: true });
});

describeAcceptance('PulsarRestSite (real Pulsar)', {
  site: () => site,
  reopen: newSite,
  workDir: () => mkdtemp(join(dir, 'acceptance-')),
  poll: POLL,
});

describe('PulsarRestSite', () => {
  it('honours stdin, stdout, stderr, env and workdir per executor, stops at the first failure, and reports each log', async () => {
    const work = await mkdtemp(join(dir, 'redirect-'));
    const spec: JobSpec = {
      inputs: [{ path: '/in/name.txt', content: 'Ada\n' }],
      outputs: [
        { path: '/work/greeting.txt', url: join(work, 'greeting.txt') },
        { path: '/work/err.txt', url: join(work, 'err.txt') },
        { path: '/work/where.txt', url: join(work, 'where.txt') },
      ],
      executors: [
        {
          image: 'a',
          command: ['sh', '-c', 'read name; echo "$GREETING, $name"; echo "to stderr" >&2; pwd > where.txt'],
          stdin: '/in/name.txt',
          stdout: '/work/greeting.txt',
          stderr: '/work/err.txt',
          workdir: '/work',
          env: { GREETING: 'Hello' },
        },
        { image: 'a', command: ['sh', '-c', 'echo second; exit 0'] },
      ],
    };
    const result = await submitJob(site, spec, { engine }).wait();
    expect(result).toMatchObject({ state: 'complete', exitCodes: [0, 0] });
    expect(await readFile(join(work, 'greeting.txt'), 'utf8')).toBe('Hello, Ada\n');
    expect(await readFile(join(work, 'err.txt'), 'utf8')).toBe('to stderr\n');
    expect((await readFile(join(work, 'where.txt'), 'utf8')).trim()).toMatch(/\/working\/root\/work$/);
    expect(result.logs.executors.map((e) => [e.stdout, e.stderr])).toEqual([
      ['Hello, Ada\n', 'to stderr\n'],
      ['second\n', ''],
    ]);
    const stop = await submitJob(site, { executors: [{ image: 'a', command: ['false'] }, { image: 'a', command: ['true'] }] }, { engine }).wait();
    expect(stop).toMatchObject({ state: 'executor_error', exitCodes: [1] });
    const goOn = await submitJob(site, { executors: [{ image: 'a', command: ['false'], ignore_error: true }, { image: 'a', command: ['true'] }] }, { engine }).wait();
    expect(goOn).toMatchObject({ state: 'complete', exitCodes: [1, 0] });
  });

  it('uploads a DIRECTORY input file by file and rebuilds it at its container path, nested files and odd names included', async () => {
    const work = await mkdtemp(join(dir, 'dir-input-'));
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(work, 'ref', 'sub dir'), { recursive: true });
    await writeFile(join(work, 'ref', 'a.txt'), 'a\n');
    await writeFile(join(work, 'ref', 'sub dir', "it's b.txt"), 'b\n');
    const uploads: string[] = [];
    const job = submitJob(
      site,
      {
        inputs: [{ path: '/data/ref', url: join(work, 'ref'), type: 'DIRECTORY' }],
        executors: [{ image: 'a', command: ['sh', '-c', 'cd /data/ref && find . -type f | sort && cat "sub dir/it\'s b.txt"'] }],
      },
      { engine },
    );
    job.on('transfer', (e) => {
      if (e.direction === 'up' && e.done) uploads.push(`${e.file} ${e.bytesDone}`);
    });
    const result = await job.wait();
    expect(result.state).toBe('complete');
    expect(result.logs.executors[0]?.stdout).toBe("./a.txt\n./sub dir/it's b.txt\nb\n");
    // Uploads run concurrently (up to the client's cap): they end in any order.
    expect(uploads.sort()).toEqual(['/data/ref/a.txt 2', "/data/ref/sub dir/it's b.txt 2"]);
    // A directory input from a URL cannot be listed: refused before anything is sent.
    const refused = await site
      .submit({ inputs: [{ path: '/d', url: 'https://example.org/d/', type: 'DIRECTORY' }], executors: [{ image: 'a', command: ['true'] }] }, { idempotencyKey: 'dir-url' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues).toEqual([{ path: '$.inputs[0].url', message: expect.stringContaining('must be a local directory') }]);
  });

  it('downloads directory and wildcard outputs, each file with its sha256', async () => {
    const work = await mkdtemp(join(dir, 'many-'));
    const spec: JobSpec = {
      outputs: [
        { path: '/out/tree', url: join(work, 'tree'), type: 'DIRECTORY' },
        { path: '/out/logs/*.log', path_prefix: '/out/logs', url: join(work, 'logs') },
      ],
      executors: [{ image: 'a', command: ['sh', '-c', 'mkdir -p /out/tree/sub /out/logs; echo a > /out/tree/a; echo b > /out/tree/sub/b; echo x > /out/logs/x.log; echo y > /out/logs/y.txt'] }],
    };
    const result = await submitJob(site, spec, { engine }).wait();
    expect(result.state).toBe('complete');
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
    expect(result.outputs).toEqual([
      { path: '/out/tree/a', url: join(work, 'tree', 'a'), sizeBytes: 2, sha256: sha('a\n') },
      { path: '/out/tree/sub/b', url: join(work, 'tree', 'sub', 'b'), sizeBytes: 2, sha256: sha('b\n') },
      { path: '/out/logs/x.log', url: join(work, 'logs', 'x.log'), sizeBytes: 2, sha256: sha('x\n') },
    ]);
    expect(await readFile(join(work, 'tree', 'sub', 'b'), 'utf8')).toBe('b\n');
    // Each file was checked against the manifest the job wrote, which lists what the directory and the pattern held.
    const manifest = await site.client.downloadWith(result.remoteId as string, MANIFEST_FILE, 'output_workdir', (body) => new Response(body).text());
    expect(parseManifest(manifest)).toEqual([
      { name: 'root/out/tree/a', size: 2, sha256: sha('a\n') },
      { name: 'root/out/tree/sub/b', size: 2, sha256: sha('b\n') },
      { name: 'root/out/logs/x.log', size: 2, sha256: sha('x\n') },
      // The executor's logs too: collect reads them, and a job Pulsar never lists is collected from this manifest.
      { name: 'logs/0.stdout', size: 0, sha256: sha('') },
      { name: 'logs/0.stderr', size: 0, sha256: sha('') },
    ]);
  });

  it('a missing output makes a complete job system_error, saying which', async () => {
    const work = await mkdtemp(join(dir, 'missing-'));
    const result = await submitJob(site, { outputs: [{ path: '/out/none.txt', url: join(work, 'none.txt') }], executors: [{ image: 'a', command: ['true'] }] }, { engine }).wait();
    expect(result.state).toBe('system_error');
    expect(result.logs.system.join('\n')).toContain('output /out/none.txt was not produced');
  });

  it('never makes two Pulsar jobs for one idempotency key', async () => {
    const spec: JobSpec = { executors: [{ image: 'a', command: ['sh', '-c', 'sleep 1'] }] };
    const first = await site.submit(spec, { idempotencyKey: 'pulsar-site-key-1' });
    const again = await site.submit(spec, { idempotencyKey: 'pulsar-site-key-1' });
    expect(again.remoteId).toBe(first.remoteId);
  });

  it('fails a submit to a server that cannot be reached at its first request, not after set-up retried too', async () => {
    const events: HttpEvent[] = [];
    const dead = new PulsarRestSite({ client: { url: `http://127.0.0.1:${await freePort()}/`, retry: { retries: 1, minDelay: 1, maxDelay: 1 }, onEvent: (e) => events.push(e) }, allowNoContainer: true });
    const error = await dead.submit({ executors: [{ image: 'a', command: ['true'] }] }, { idempotencyKey: 'unreachable-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect([...new Set(events.filter((e) => e.type === 'request').map((e) => `${e.method} ${new URL(e.url).pathname}`))]).toEqual(['GET /jobs/unreachable-1/status']);
  });

  it('looks a job up by the idempotency key it was submitted with', async () => {
    const made = await site.submit({ executors: [{ image: 'a', command: ['true'] }] }, { idempotencyKey: 'job-9:pulsar:1' });
    expect(await newSite().lookup('job-9:pulsar:1')).toBe(made.remoteId);
    expect(await site.lookup('job-9:pulsar:2')).toBeUndefined();
  });

  it('cancels a running job', async () => {
    const job = submitJob(site, { executors: [{ image: 'a', command: ['sleep', '30'] }] }, { engine });
    await new Promise<void>((resolve) => job.on('state', (e) => e.state === 'running' && resolve()));
    await job.cancel();
    expect((await job.wait()).state).toBe('canceled');
  });

  it('refuses, before anything is sent, an image without allowNoContainer or a runtime, remote inputs, and local files without file access', async () => {
    const strict = new PulsarRestSite({ client: { url: pulsar.url, token: pulsar.token ?? undefined }, files: nodeLocalFiles() });
    const refused = await strict.submit({ executors: [{ image: 'alpine', command: ['true'] }] }, { idempotencyKey: 'strict' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues[0]).toMatchObject({ path: '$.executors[0].image', message: expect.stringMatching(/allowNoContainer/) });
    await writeFile(join(dir, 'local.txt'), 'x');
    const bare = new PulsarRestSite({ client: { url: pulsar.url, token: pulsar.token ?? undefined }, allowNoContainer: true });
    const issues = await bare
      .submit(
        {
          inputs: [
            { path: '/d/a', url: 'ftp://user:secret@example.org/a?token=t0p' },
            { path: '/d/b', url: join(dir, 'local.txt') },
          ],
          outputs: [{ path: '/d/c', url: join(dir, 'c') }],
          executors: [{ image: 'a', command: ['true'] }],
        },
        { idempotencyKey: 'bare' },
      )
      .catch((e: ValidationError) => e.issues);
    expect(issues).toEqual([
      { path: '$.inputs[0].url', message: expect.stringContaining('reads file:// URLs, local paths and http(s):// URLs only') },
      { path: '$.inputs[1].url', message: expect.stringContaining('nodeLocalFiles()') },
      { path: '$.outputs', message: expect.stringContaining('nodeLocalFiles()') },
    ]);
    expect(JSON.stringify(issues)).not.toContain('secret');
  });

  it('runs executors in a container when the site names a runtime: the command line carries the wrapper', async () => {
    const wrapped = new PulsarRestSite({ client: { url: pulsar.url, token: pulsar.token ?? undefined }, files: nodeLocalFiles(), containerRuntime: 'apptainer' });
    const result = await submitJob(wrapped, { executors: [{ image: 'alpine:3', command: ['true'] }] }, { engine }).wait();
    // No apptainer on this machine: the wrapper itself fails with "not found" (127), proving it was used.
    expect(result).toMatchObject({ state: 'executor_error', exitCodes: [127] });
    expect(result.logs.executors[0]?.stderr).toMatch(/apptainer/);
  });

  it('relays an http(s) input into the upload, the URL\'s credentials as basic auth; a missing one fails the submit and leaves no job', async () => {
    const work = await mkdtemp(join(dir, 'relay-'));
    const body = 'relayed line\n'.repeat(50_000);
    const auth = `Basic ${Buffer.from('reader:s3cret').toString('base64')}`;
    const server = createServer((req, res) => {
      if (req.headers.authorization !== auth) res.writeHead(401).end();
      else if (req.url !== '/data/in.txt') res.writeHead(404).end('no such file');
      else res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const origin = `http://reader:s3cret@127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const job = submitJob(
        site,
        {
          inputs: [{ path: '/data/in.txt', url: `${origin}/data/in.txt` }],
          outputs: [{ path: '/data/n.txt', url: join(work, 'n.txt') }],
          executors: [{ image: 'a', command: ['sh', '-c', 'wc -c < /data/in.txt | tr -d " " > /data/n.txt'] }],
        },
        { engine },
      );
      const uploads: string[] = [];
      job.on('transfer', (e) => {
        if (e.direction === 'up' && e.done) uploads.push(`${e.file} ${e.bytesDone}/${e.bytesTotal}`);
      });
      const result = await job.wait();
      expect(result.state).toBe('complete');
      expect(await readFile(join(work, 'n.txt'), 'utf8')).toBe(`${body.length}\n`);
      expect(uploads).toEqual([`/data/in.txt ${body.length}/${body.length}`]);

      const missing = await site
        .submit({ inputs: [{ path: '/data/x', url: `${origin}/nope` }], executors: [{ image: 'a', command: ['true'] }] }, { idempotencyKey: 'relay-missing' })
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(HttpError);
      expect(missing).toMatchObject({ status: 404 });
      expect(JSON.stringify(missing) + String((missing as Error).stack)).not.toContain('s3cret');
      // Nothing half-staged stays on the server.
      expect(await site.lookup('relay-missing')).toBeUndefined();
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  it('attach of a job the server does not know throws UnknownJobError', async () => {
    await expect(Job.attach(site, 'no-such-job')).rejects.toBeInstanceOf(UnknownJobError);
  });
});

describe('PulsarRestSite cleanup', () => {
  it('keeps the job directory by default until forget(); cleanup onsuccess removes it after collecting a complete job', async () => {
    const kept = await submitJob(site, { executors: [{ image: 'a', command: ['true'] }] }, { engine }).wait();
    expect((await site.attach(kept.remoteId as string)).state).toBe('complete');
    await site.forget(kept.remoteId as string);
    await expect(site.attach(kept.remoteId as string)).rejects.toBeInstanceOf(UnknownJobError);

    const tidy = new PulsarRestSite({ client: { url: pulsar.url, token: pulsar.token ?? undefined }, files: nodeLocalFiles(), allowNoContainer: true, cleanup: 'onsuccess' });
    const done = await submitJob(tidy, { executors: [{ image: 'a', command: ['true'] }] }, { engine }).wait();
    await expect(tidy.attach(done.remoteId as string)).rejects.toBeInstanceOf(UnknownJobError);
    const failed = await submitJob(tidy, { executors: [{ image: 'a', command: ['false'] }] }, { engine }).wait();
    expect((await tidy.attach(failed.remoteId as string)).state).toBe('executor_error');
  });
});

describe('PulsarRestSite output manifest', () => {
  /** A client whose downloads of `name` are cut to 3 bytes, `times` times (a connection that ends early looks whole: Pulsar sends no length). */
  const cutting = (name: string, times: number): { client: PulsarClient; cuts: () => number } => {
    let cuts = 0;
    const client = new PulsarClient({
      url: pulsar.url,
      token: pulsar.token ?? undefined,
      retry: { retries: 3, minDelay: 10, maxDelay: 50 },
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        const url = new URL(input instanceof Request ? input.url : String(input));
        if (init?.method !== 'POST' && url.pathname.endsWith('/files') && url.searchParams.get('name') === name && cuts < times) {
          cuts++;
          return new Response((await response.arrayBuffer()).slice(0, 3), { status: 200, headers: { 'content-type': 'application/octet-stream' } });
        }
        return response;
      },
    });
    return { client, cuts: () => cuts };
  };
  const spec = (work: string): JobSpec => ({
    outputs: [{ path: '/out/x.txt', url: join(work, 'x.txt') }],
    executors: [{ image: 'a', command: ['sh', '-c', 'echo "a line long enough to cut" > /out/x.txt'] }],
  });

  it('fetches a cut-off output again and delivers the whole file', async () => {
    const work = await mkdtemp(join(dir, 'cut-once-'));
    const { client, cuts } = cutting('root/out/x.txt', 1);
    const result = await submitJob(new PulsarRestSite({ client, files: nodeLocalFiles(), allowNoContainer: true }), spec(work), { engine }).wait();
    expect(cuts()).toBe(1);
    expect(result.state).toBe('complete');
    expect(await readFile(join(work, 'x.txt'), 'utf8')).toBe('a line long enough to cut\n');
    expect(result.outputs[0]).toMatchObject({ sizeBytes: 26, sha256: createHash('sha256').update('a line long enough to cut\n').digest('hex') });
  });

  it('ends system_error, saying so, when every download is cut off', async () => {
    const work = await mkdtemp(join(dir, 'cut-always-'));
    const { client } = cutting('root/out/x.txt', Number.POSITIVE_INFINITY);
    const result = await submitJob(new PulsarRestSite({ client, files: nodeLocalFiles(), allowNoContainer: true }), spec(work), { engine }).wait();
    expect(result.state).toBe('system_error');
    expect(result.logs.system.join('\n')).toMatch(/output \/out\/x\.txt: the job wrote 26 bytes \(sha256 [0-9a-f]{64}\), no download matched \(.*after 3 of 26 bytes/);
    expect(await readFile(join(work, 'x.txt')).catch(() => 'nothing')).toBe('nothing');
  });
});

describe('pulsarRestSiteFactory', () => {
  const registry = (): SiteRegistry => new SiteRegistry().register('pulsar-rest', pulsarRestSiteFactory(nodeLocalFiles()));

  it('builds a Pulsar site with its private_token and options, and the network runs the acceptance spec on it', async () => {
    const network = await Network.create(
      { sites: [{ id: 'eu-pulsar', kind: 'pulsar-rest', url: pulsar.url, auth: { type: 'query', name: 'private_token', value: pulsar.token ?? '' }, options: { allowNoContainer: true, cleanup: 'onsuccess' } }] },
      { registry: registry(), engine },
    );
    try {
      const work = await mkdtemp(join(dir, 'network-'));
      const result = await network.submit(await acceptanceSpec(work)).wait();
      expect(result).toMatchObject({ state: 'complete', siteId: 'eu-pulsar', exitCodes: [0, 0] });
      expect(await readFile(join(work, 'out-sorted.txt'), 'utf8')).toBe(EXPECTED.sorted);
    } finally {
      await network.close();
    }
  });

  it('names bad options and a bearer auth with their paths', async () => {
    const error = await Network.create(
      { sites: [{ id: 'bad', kind: 'pulsar-rest', url: pulsar.url, auth: { type: 'bearer', token: 't' }, options: { containerRuntime: 'lxc', cleanup: 'sometimes', queue: 'x' } }] },
      { registry: registry() },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      '$.sites[id=bad].auth.type',
      '$.sites[id=bad].options.queue',
      '$.sites[id=bad].options.containerRuntime',
      '$.sites[id=bad].options.cleanup',
    ]);
  });
});
