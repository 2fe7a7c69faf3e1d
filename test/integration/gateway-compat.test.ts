/**
 * The gateway for older TES clients (issue 17 acceptance 3, issue 23
 * acceptance 3): py-tes 0.4.2 (as Toil pins it) and py-tes 1.1 each run a
 * task on a sandboxed LocalSite; the TES 0.3 service-info route; output URLs
 * in the form the client gave them; the access log.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTesGateway, formatAccessLog, Network, nodeSiteRegistry, type TesGateway } from '../../src/internal.js';
import { PY_TES_LEGACY_VERSION, PY_TES_VERSION, peerScript, runWithPyTes } from '../peers/tes-server/py-tes.js';

const TOKEN = 'compat-client-token-0123456789';
let scratch: string;
let network: Network;
let gateway: TesGateway;
let url: string;
const accessLog: string[] = [];
const script = join(peerScript('.'), '../gateway/py_tes_compat.py');

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'gateway-compat-'));
  network = await Network.create(
    { seed: 'compat', failover: { pollIntervalMs: 100 }, sites: [{ id: 'laptop', kind: 'local', storages: [`file://${scratch}/`], options: { sandbox: 'bubblewrap', workDir: join(scratch, 'site') } }] },
    { registry: nodeSiteRegistry() },
  );
  gateway = createTesGateway(network, { storePath: join(scratch, 'gateway.db'), clients: { compat: TOKEN }, urls: { inputs: { roots: [scratch] }, outputs: { roots: [scratch] } }, accessLog: (e) => accessLog.push(formatAccessLog(e)) });
  url = (await gateway.listen()).url;
});
afterAll(async () => {
  await gateway?.close();
  await network?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe.each([PY_TES_LEGACY_VERSION, PY_TES_VERSION])('py-tes %s against the gateway', (version) => {
  it('reads service-info and completes a task; FULL-view output URLs keep the scheme for FILE and DIRECTORY outputs', async () => {
    const out = join(scratch, `out-${version}`);
    await mkdir(out, { recursive: true });
    const seen = JSON.parse(await runWithPyTes(script, [new URL(url).origin, TOKEN, out], { version, timeoutMs: 120_000 })) as {
      service_info: { name: string; storage: string[] };
      state: string;
      outputs: Array<{ url: string; path: string }>;
    };
    expect(seen.service_info).toEqual({ name: 'pulsar-network TES gateway', storage: [`file://${scratch}/`] });
    expect(seen.state).toBe('COMPLETE');
    expect(seen.outputs).toEqual([
      { path: '/data/out/count.txt', url: `file://${out}/count.txt` },
      { path: '/data/work/a b.txt', url: `file://${out}/work%20dir/a%20b.txt` },
    ]);
    expect(await readFile(join(out, 'count.txt'), 'utf8')).toBe('2\n');
    expect(await readFile(join(out, 'work dir', 'a b.txt'), 'utf8')).toBe('x\n');
  });
});

describe('the TES 0.3 service-info route and the access log', () => {
  it('answers GET /v1/tasks/service-info and /ga4gh/tes/v1/tasks/service-info in the TES 0.3 shape, GET only', async () => {
    const origin = new URL(url).origin;
    const headers = { authorization: `Bearer ${TOKEN}` };
    for (const path of ['/v1/tasks/service-info', '/ga4gh/tes/v1/tasks/service-info']) {
      const answer = await fetch(`${origin}${path}`, { headers });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ name: 'pulsar-network TES gateway', doc: expect.stringMatching(/^A TES 1\.1 gateway in front of 1 site\(s\): laptop \(local\)$/), storage: [`file://${scratch}/`] });
    }
    expect((await fetch(`${origin}/v1/tasks/service-info`, { method: 'POST', headers })).status).toBe(405);
    expect((await fetch(`${origin}/v1/tasks/service-info`)).status).toBe(401);
  });

  it('logs method, path, status, client and duration of every request, never a token or a query', async () => {
    const before = accessLog.length;
    await fetch(`${url}/tasks?view=MINIMAL&page_token=secret-looking`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await fetch(`${url}/tasks/nope`, { headers: { authorization: 'Bearer wrong-token-0123456789' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = accessLog.slice(before);
    expect(lines).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z GET \/ga4gh\/tes\/v1\/tasks 400 compat \d+ms$/),
      expect.stringMatching(/^\S+ GET \/ga4gh\/tes\/v1\/tasks\/nope 401 - \d+ms$/),
    ]);
    expect(accessLog.join('\n')).not.toMatch(/token|secret/);
  });
});
