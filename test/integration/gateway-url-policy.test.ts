/**
 * Issue 12, acceptance 1: the real gateway in front of a LocalSite and in
 * front of a real Pulsar. Tasks that read host files through inputs (file
 * URL and plain path), write host files through outputs (the gateway's own
 * configuration and database included), escape an allowed root with `..`
 * or a link, or make the gateway host fetch loopback addresses (a literal
 * address, a name resolving to 127.0.0.1, a redirect) are refused with a
 * 400 naming the field and the rule, and nothing is read, written, staged
 * or fetched; the same tasks succeed when the operator allows them.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkConfig } from '../../src/index.js';
import { canonicalPathSync, type UrlRules } from '../../src/internal.js';
import { finished, postTask, startLoopbackService, startSecureGateway, type LoopbackService, type SecureGateway } from '../peers/gateway/secure-gateway.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';

const LOCKED = 'locked-client-token-0123456789';
const OPEN = 'open-client-token-0123456789ab';
const ROOTED = 'rooted-client-token-0123456789';
const REDIRECT = 'redirect-client-token-01234567';
let dir: string;
let allowed: string;
let outside: string;
let pulsar: PulsarServer;
let service: LoopbackService;
const gateways: Record<string, SecureGateway> = {};

beforeAll(async () => {
  dir = canonicalPathSync(await mkdtemp(join(tmpdir(), 'gateway-url-policy-')));
  allowed = join(dir, 'allowed');
  outside = join(dir, 'outside');
  await mkdir(allowed, { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(outside, 'secret.txt'), 'host-secret-content\n');
  await writeFile(join(allowed, 'in.txt'), 'allowed-content\n');
  await symlink(join(outside, 'secret.txt'), join(allowed, 'link-to-secret'));
  await writeFile(join(dir, 'network.yaml'), 'the gateway configuration\n');
  service = await startLoopbackService();
  pulsar = await startPulsar({ manager: { concurrentJobs: 4 } });
  const site: Record<string, NetworkConfig['sites'][number]> = {
    local: { id: 'laptop', kind: 'local', options: { allowNoContainer: true, trusted: true, workDir: join(dir, 'site') } },
    pulsar: { id: 'eu-pulsar', kind: 'pulsar-rest', url: pulsar.url, auth: { type: 'query', name: 'private_token', value: pulsar.token as string }, options: { allowNoContainer: true } },
  };
  const open: UrlRules = { inputs: { roots: [allowed, outside], allow: ['127.0.0.1', 'internal.test', 'redirector.test'] }, outputs: { roots: [allowed, outside] } };
  for (const [name, config] of Object.entries(site)) {
    gateways[name] = await startSecureGateway(
      { seed: `url-policy-${name}`, failover: { pollIntervalMs: 100, maxAttempts: 1 }, sites: [config] },
      {
        storePath: join(dir, `${name}.db`),
        protect: [join(dir, 'network.yaml')],
        urls: { inputs: { roots: [allowed] }, outputs: { roots: [allowed] } },
        clients: {
          locked: LOCKED,
          open: { token: OPEN, urls: open },
          rooted: { token: ROOTED, urls: { inputs: { roots: ['/'] }, outputs: { roots: ['/'] } } },
          redirect: { token: REDIRECT, urls: { inputs: { allow: ['redirector.test'] } } },
        },
      },
    );
  }
}, 180_000);
afterAll(async () => {
  for (const gw of Object.values(gateways)) await gw.close();
  await service?.close();
  await pulsar?.stop();
  await rm(dir, { recursive: true, force: true });
});

const reading = (url: string) => ({ name: 'read', inputs: [{ path: '/data/in.txt', url }], executors: [{ image: 'alpine', command: ['cat', '/data/in.txt'] }] });
const writing = (url: string) => ({ name: 'write', outputs: [{ path: '/out/o.txt', url }], executors: [{ image: 'alpine', command: ['sh', '-c', 'echo overwritten > /out/o.txt'] }] });

/** What a site holds: job directories of the local site, or of the Pulsar server. */
async function siteJobs(name: string): Promise<string[]> {
  const where = name === 'local' ? join(dir, 'site', 'jobs') : pulsar.stagingDir;
  return readdir(where).catch(() => []);
}

describe.each(['local', 'pulsar'])('the URL policy of a gateway in front of the %s site', (name) => {
  const gw = (): SecureGateway => gateways[name] as SecureGateway;

  async function refused(token: string, task: unknown, field: string, rule: string): Promise<void> {
    const jobs = await siteJobs(name);
    const asked = service.asked.length;
    const { status, body } = await postTask(gw().url, token, task);
    expect(status).toBe(400);
    expect(body.message).toMatch(/refused by the gateway's URL policy/);
    expect(body.problems).toEqual([expect.stringMatching(new RegExp(`^\\$\\.${field.replace(/[[\].]/g, '\\$&')}: refused by rule ${rule}: `))]);
    expect(JSON.stringify(body)).not.toContain('host-secret-content');
    expect(await siteJobs(name)).toEqual(jobs);
    expect(service.asked.length).toBe(asked);
  }

  async function stdoutOf(token: string, task: unknown): Promise<string | undefined> {
    const { status, body } = await postTask(gw().url, token, task);
    expect(status).toBe(200);
    const done = await finished(gw().url, token, body.id as string);
    expect(done.state).toBe('COMPLETE');
    return done.logs?.[0]?.logs[0]?.stdout;
  }

  it('host files are not read through inputs: file URL, plain path, .. and link escapes; allowed, they are', async () => {
    const secret = join(outside, 'secret.txt');
    await refused(LOCKED, reading(`file://${secret}`), 'inputs[0].url', 'file-roots');
    await refused(LOCKED, reading(secret), 'inputs[0].url', 'file-roots');
    await refused(LOCKED, reading('/etc/hostname'), 'inputs[0].url', 'file-roots');
    await refused(LOCKED, reading(`${allowed}/../outside/secret.txt`), 'inputs[0].url', 'file-roots');
    await refused(LOCKED, reading(`file://${allowed}/%2e%2e/outside/secret.txt`), 'inputs[0].url', 'file-roots');
    await refused(LOCKED, reading(join(allowed, 'link-to-secret')), 'inputs[0].url', 'file-roots');
    // the gateway's own configuration and database, whatever the roots say
    await refused(ROOTED, reading(join(dir, 'network.yaml')), 'inputs[0].url', 'protected-path');
    await refused(ROOTED, reading(`file://${join(dir, `${name}.db`)}`), 'inputs[0].url', 'protected-path');

    expect(await stdoutOf(LOCKED, reading(join(allowed, 'in.txt')))).toBe('allowed-content\n');
    expect(await stdoutOf(OPEN, reading(`file://${secret}`))).toBe('host-secret-content\n');
    expect(await stdoutOf(OPEN, reading(secret))).toBe('host-secret-content\n');
  });

  it('host files are not written through outputs, the gateway’s configuration and database included; allowed, they are', async () => {
    const victim = join(outside, `victim-${name}.txt`);
    await writeFile(victim, 'original\n');
    const db = join(dir, `${name}.db`);
    const dbBefore = await readFile(db);
    await refused(LOCKED, writing(`file://${victim}`), 'outputs[0].url', 'file-roots');
    await refused(LOCKED, writing(victim), 'outputs[0].url', 'file-roots');
    await refused(LOCKED, writing(`${allowed}/../outside/victim-${name}.txt`), 'outputs[0].url', 'file-roots');
    await refused(ROOTED, writing(join(dir, 'network.yaml')), 'outputs[0].url', 'protected-path');
    await refused(ROOTED, writing(`file://${db}`), 'outputs[0].url', 'protected-path');
    await refused(ROOTED, writing(`${db}-wal`), 'outputs[0].url', 'protected-path');
    await refused(ROOTED, { ...writing(dir), outputs: [{ path: '/out', url: dir, type: 'DIRECTORY' }] }, 'outputs[0].url', 'protected-path');
    expect(await readFile(victim, 'utf8')).toBe('original\n');
    expect(await readFile(join(dir, 'network.yaml'), 'utf8')).toBe('the gateway configuration\n');
    expect((await readFile(db)).subarray(0, 100)).toEqual(dbBefore.subarray(0, 100));

    await stdoutOf(OPEN, writing(victim));
    expect(await readFile(victim, 'utf8')).toBe('overwritten\n');
  });

  it('the gateway host does not fetch loopback addresses: a literal, a name resolving to 127.0.0.1, a redirect; allowed, it does', async () => {
    const port = service.port;
    await refused(LOCKED, reading(`http://127.0.0.1:${port}/secret`), 'inputs[0].url', 'private-address');
    await refused(LOCKED, reading(`http://[::ffff:127.0.0.1]:${port}/secret`), 'inputs[0].url', 'private-address');
    await refused(LOCKED, reading(`http://2130706433:${port}/secret`), 'inputs[0].url', 'private-address');
    await refused(LOCKED, reading(`http://localhost:${port}/secret`), 'inputs[0].url', 'private-address');
    await refused(LOCKED, reading(`http://internal.test:${port}/secret`), 'inputs[0].url', 'private-address');

    // this client may reach the redirector, not where it redirects to: the redirect is followed only
    // as far as the redirector's answer, and the loopback target is never asked
    const asked = service.asked.length;
    const { status, body } = await postTask(gw().url, REDIRECT, reading(`http://redirector.test:${port}/to-secret`));
    expect(status).toBe(400);
    expect(body.problems).toEqual([expect.stringMatching(/^\$\.inputs\[0\]\.url: refused by rule private-address: a redirect of this URL leads on: 127\.0\.0\.1, a loopback address/)]);
    expect(service.asked.slice(asked)).toEqual(['/to-secret']);

    expect(await stdoutOf(OPEN, reading(`http://redirector.test:${port}/to-secret`))).toBe('internal-only-answer\n');
    expect(await stdoutOf(OPEN, reading(`http://127.0.0.1:${port}/secret`))).toBe('internal-only-answer\n');
    expect(await stdoutOf(OPEN, reading(`http://internal.test:${port}/secret`))).toBe('internal-only-answer\n');
  });
});
