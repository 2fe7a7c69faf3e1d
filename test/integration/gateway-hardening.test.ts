/**
 * Issue 12, acceptance 2, 4 and the smaller findings: a local site in
 * plain-process mode is served only when marked trusted (with a warning
 * naming the risk), per-client limits answer 429 with Retry-After while
 * other clients are served, tasks too large are refused naming the limit,
 * weak tokens and token-less gateways are refused unless asked for, a bad
 * escape in an id is a 400, and a site's fetch is checked again when it
 * connects.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { createTesGateway, LocalSite, MemoryTaskStore, Network, nodeSiteRegistry, type LocalSiteOptions } from '../../src/node.js';
import { killProcess, runCliProcess, startGatewayProcess } from '../peers/gateway/cli-process.js';
import { finished, postTask, startLoopbackService, startSecureGateway, type LoopbackService, type SecureGateway } from '../peers/gateway/secure-gateway.js';

const ALICE = 'alice-token-0123456789abcdef';
const BOB = 'bob-token-0123456789abcdefgh';
let dir: string;
let service: LoopbackService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-hardening-'));
  service = await startLoopbackService();
});
afterAll(async () => {
  await service?.close();
  await rm(dir, { recursive: true, force: true });
});

const local = (options: Record<string, unknown> = {}) => ({ id: 'laptop', kind: 'local' as const, options: { allowNoContainer: true, workDir: join(dir, 'site'), ...options } });
const sleepy = (seconds: number) => ({ executors: [{ image: 'alpine', command: ['sleep', String(seconds)] }] });

describe('running commands on the gateway host is a named decision', () => {
  it('a local site running plain processes is refused unless trusted; trusted, the start-up warning names the risk', async () => {
    const plain = await Network.create({ sites: [local()] }, { registry: nodeSiteRegistry() });
    const error = (() => {
      try {
        createTesGateway(plain, { store: new MemoryTaskStore(), clients: { alice: ALICE } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: '$.sites[id=laptop].options', message: expect.stringMatching(/set sandbox: bubblewrap, or trusted: true/) }]);
    await plain.close();

    const warnings: string[] = [];
    const trusted = await Network.create({ sites: [local({ trusted: true })] }, { registry: nodeSiteRegistry() });
    const gateway = createTesGateway(trusted, { store: new MemoryTaskStore(), clients: { alice: ALICE }, onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual([expect.stringMatching(/^local site laptop is trusted: every gateway client's commands run on this host as this user \(.+\), with its files, network and credentials, outside any sandbox$/)]);
    expect(gateway.warnings).toEqual(warnings);
    await gateway.close();
    await trusted.close();

    // a sandboxed local site (the bubblewrap option) needs no such declaration
    const sandboxed = await Network.create({ sites: [{ id: 'box', kind: 'local' }] }, { sites: { box: new LocalSite({ id: 'box', workDir: join(dir, 'box'), sandbox: 'bubblewrap' } as LocalSiteOptions) } });
    const boxed = createTesGateway(sandboxed, { store: new MemoryTaskStore(), clients: { alice: ALICE }, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    await boxed.close();
    await sandboxed.close();
  });

  it('the command line refuses to serve such a site (exit 2), and warns on stderr when it is trusted', async () => {
    const lines = (options: string) => ['sites:', `  - { id: laptop, kind: local, options: { ${options}workDir: ${join(dir, 'cli-site')} } }`, 'gateway:', '  clients: [{ name: a, tokenEnv: A_TOKEN }]', ''].join('\n');
    const config = join(dir, 'plain.yaml');
    await writeFile(config, lines('allowNoContainer: true, '));
    const refused = await runCliProcess(['gateway', '--config', config, '--port', '0'], { env: { A_TOKEN: ALICE }, timeoutMs: 60_000 });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/\$\.sites\[id=laptop\]\.options: a local site behind the gateway runs clients' commands on this host: set sandbox: bubblewrap, or trusted: true/);

    const trusted = join(dir, 'trusted.yaml');
    await writeFile(trusted, lines('allowNoContainer: true, trusted: true, '));
    const gw = await startGatewayProcess(trusted, { env: { A_TOKEN: ALICE } });
    await killProcess(gw.child, 'SIGTERM');
    expect(gw.stderr()).toMatch(/warning: local site laptop is trusted: every gateway client's commands run on this host as this user/);
  });
});

describe('fair use and task caps', () => {
  let gw: SecureGateway;
  beforeAll(async () => {
    gw = await startSecureGateway(
      { seed: 'fair', failover: { pollIntervalMs: 100 }, sites: [local({ trusted: true })] },
      { storePath: join(dir, 'fair.db'), clients: { alice: { token: ALICE, limits: { maxInFlight: 1, retryAfterSeconds: 7 } }, bob: BOB }, limits: { maxStoredBytes: 64 * 1024 }, taskLimits: { maxExecutors: 4 } },
    );
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('a client over its in-flight limit gets 429 with Retry-After while another client is served', async () => {
    const first = await postTask(gw.url, ALICE, sleepy(30));
    expect(first.status).toBe(200);
    const second = await postTask(gw.url, ALICE, sleepy(1));
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('7');
    expect(second.body).toEqual({ status: 429, message: 'client alice has 1 tasks in flight; at most 1 are accepted (limit maxInFlight)' });
    const other = await postTask(gw.url, BOB, sleepy(0));
    expect(other.status).toBe(200);
    expect((await finished(gw.url, BOB, other.body.id as string)).state).toBe('COMPLETE');
    await fetch(`${gw.url}/tasks/${first.body.id as string}:cancel`, { method: 'POST', headers: { authorization: `Bearer ${ALICE}` } });
    expect((await finished(gw.url, ALICE, first.body.id as string)).state).toBe('CANCELED');
    expect((await postTask(gw.url, ALICE, sleepy(0))).status).toBe(200);
  });

  it('a task with too many executors is refused naming the limit; stored bytes per client are bounded', async () => {
    const many = await postTask(gw.url, BOB, { executors: Array.from({ length: 30_000 }, () => ({ image: 'a', command: ['true'] })) });
    expect(many.status).toBe(400);
    expect(many.body.problems).toEqual(['$.executors: has 30000 executors; at most 4 are accepted (limit maxExecutors)']);
    const five = await postTask(gw.url, BOB, { executors: Array.from({ length: 5 }, () => ({ image: 'a', command: ['true'] })) });
    expect(five.status).toBe(400);
    expect(five.body.problems).toEqual(['$.executors: has 5 executors; at most 4 are accepted (limit maxExecutors)']);
    // 20 kB of inline content per task: the fourth passes the 64 KiB a client may store
    const heavy = { inputs: [{ path: '/d/x', content: 'z'.repeat(20_000) }], executors: [{ image: 'a', command: ['true'] }] };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await postTask(gw.url, BOB, heavy)).status);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.at(-1)).toBe(429);
    await gw.gateway.idle();
  });
});

describe('authentication without surprises', () => {
  it('the API refuses a one-character token, as the command line does', async () => {
    const network = await Network.create({ sites: [local({ trusted: true })] }, { registry: nodeSiteRegistry() });
    expect(() => createTesGateway(network, { store: new MemoryTaskStore(), clients: { alice: 'x' } })).toThrow(/clients\.alice\.token: must be at least 16 characters long/);
    expect(() => createTesGateway(network, { store: new MemoryTaskStore() })).toThrow(/needs client tokens/);
    await network.close();
  });

  it('a token-less gateway (asked for) serves loopback callers, but no request relayed by a proxy', async () => {
    const network = await Network.create({ sites: [local({ trusted: true })] }, { registry: nodeSiteRegistry() });
    const gateway = createTesGateway(network, { store: new MemoryTaskStore(), allowUnauthenticated: true, onWarning: () => undefined });
    const { url } = await gateway.listen({ host: 'localhost' });
    try {
      expect((await fetch(`${url}/service-info`)).status).toBe(200);
      for (const header of ['forwarded', 'x-forwarded-for', 'x-real-ip']) {
        const relayed = await fetch(`${url}/service-info`, { headers: { [header]: '203.0.113.9' } });
        expect(relayed.status).toBe(401);
        expect(await relayed.json()).toEqual({ status: 401, message: 'this gateway has no client tokens and does not serve requests relayed by a proxy' });
      }
    } finally {
      await gateway.close();
      await network.close();
    }
  });

  it('a bad percent-escape in a task id is a 400 without internal messages', async () => {
    const gw = await startSecureGateway({ sites: [local({ trusted: true })] }, { store: new MemoryTaskStore(), clients: { alice: ALICE } });
    try {
      for (const path of ['/tasks/%E0%A4%A', '/tasks/%ZZ', '/tasks/%E0%A4%A:cancel', '/tasks/%/decision']) {
        const response = await fetch(`${gw.url}${path}`, { method: path.endsWith(':cancel') ? 'POST' : 'GET', headers: { authorization: `Bearer ${ALICE}` } });
        expect(response.status, path).toBe(400);
        expect(await response.json()).toEqual({ status: 400, message: 'invalid task id', problems: ['path.id: is not valid percent-encoding'] });
      }
    } finally {
      await gw.close();
    }
  });
});

describe('files the gateway writes', () => {
  it('the task database and its WAL and SHM files are created 0600, in a 0700 directory', async () => {
    const network = await Network.create({ failover: { pollIntervalMs: 100 }, sites: [local({ trusted: true })] }, { registry: nodeSiteRegistry() });
    const store = join(dir, 'private', 'gateway.db');
    const gateway = createTesGateway(network, { storePath: store, clients: { alice: ALICE }, onWarning: () => undefined });
    const { url } = await gateway.listen();
    const { body } = await postTask(url, ALICE, sleepy(0));
    await finished(url, ALICE, body.id as string);
    for (const file of [store, `${store}-wal`, `${store}-shm`]) expect(((await stat(file)).mode & 0o777).toString(8), file).toBe('600');
    expect(((await stat(join(dir, 'private'))).mode & 0o777).toString(8)).toBe('700');
    await gateway.close();
    await network.close();
    expect((await readFile(store)).length).toBeGreaterThan(0);
  });
});

describe('a site’s fetch is checked again when it connects', () => {
  it('a redirect to loopback that passed the check (redirects not probed) is refused at connect time; nothing reaches the service', async () => {
    const gw = await startSecureGateway(
      { seed: 'connect', failover: { pollIntervalMs: 100, maxAttempts: 1 }, sites: [local({ trusted: true })] },
      { store: new MemoryTaskStore(), clients: { alice: { token: ALICE, urls: { inputs: { allow: ['redirector.test'] } } } }, checkRedirects: false },
    );
    try {
      const before = service.asked.length;
      const { status, body } = await postTask(gw.url, ALICE, { inputs: [{ path: '/d/x', url: `http://redirector.test:${service.port}/to-secret` }], executors: [{ image: 'a', command: ['cat', '/d/x'] }] });
      expect(status).toBe(200);
      const done = await finished(gw.url, ALICE, body.id as string);
      expect(done.state).toBe('SYSTEM_ERROR');
      expect(JSON.stringify(done.logs)).toMatch(/refused by rule private-address: 127\.0\.0\.1, a loopback address/);
      // the redirector was asked (the network tries a failed submit once more), the loopback target never
      const asked = service.asked.slice(before);
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.every((path) => path === '/to-secret')).toBe(true);
    } finally {
      await gw.close();
    }
  });
});

describe('URL rules per site', () => {
  it('a task that only one site’s rules admit goes there (the others excluded by policy in its record)', async () => {
    const shared = join(dir, 'shared-out');
    const gw = await startSecureGateway(
      { seed: 'per-site', failover: { pollIntervalMs: 100 }, strategy: { pinned: ['first', 'second'] }, sites: [{ ...local({ trusted: true, workDir: join(dir, 'first') }), id: 'first' }, { ...local({ trusted: true, workDir: join(dir, 'second') }), id: 'second' }] },
      { store: new MemoryTaskStore(), clients: { alice: ALICE }, siteUrls: { second: { outputs: { roots: [shared] } } } },
    );
    try {
      const task = { outputs: [{ path: '/out/r.txt', url: join(shared, 'r.txt') }], executors: [{ image: 'a', command: ['sh', '-c', 'echo per-site > /out/r.txt'] }] };
      const { status, body } = await postTask(gw.url, ALICE, task);
      expect(status).toBe(200);
      expect((await finished(gw.url, ALICE, body.id as string)).state).toBe('COMPLETE');
      expect(await readFile(join(shared, 'r.txt'), 'utf8')).toBe('per-site\n');
      const decision = (await (await fetch(`${gw.url}/tasks/${body.id as string}/decision`, { headers: { authorization: `Bearer ${ALICE}` } })).json()) as { chosen: string; excluded: Array<{ site: string; by: string; reason: string }> };
      expect(decision.chosen).toBe('second');
      expect(decision.excluded).toEqual([{ site: 'first', by: 'policy', reason: expect.stringMatching(/^URL policy: \$\.outputs\[0\]\.url refused by rule file-roots: /) }]);
      expect(gw.gateway.task(body.id as string)?.excludeSites).toEqual({ first: expect.any(String) });

      const elsewhere = await postTask(gw.url, ALICE, { ...task, outputs: [{ path: '/out/r.txt', url: join(dir, 'r.txt') }] });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.problems).toEqual([expect.stringMatching(/^\$\.outputs\[0\]\.url: refused by rule file-roots: /)]);
    } finally {
      await gw.close();
    }
    expect(() => createTesGateway(gw.network, { store: new MemoryTaskStore(), clients: { alice: ALICE }, siteUrls: { nowhere: {} } })).toThrow(/siteUrls\.nowhere: names no site of the network/);
  });
});
