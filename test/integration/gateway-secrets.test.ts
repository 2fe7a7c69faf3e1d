/**
 * Issue 12, acceptance 5: a secret planted in every kind of site credential
 * (a Pulsar private_token, TES bearer tokens from the environment and
 * inline, a TES basic password, credentials written into site URLs, an
 * AMQP broker password in the auth and in the URL) appears in no output of
 * any command (tables and --json, errors included), in no decision record,
 * in no answer of the gateway and in no file the gateway writes; the task
 * database and its WAL and SHM files are 0600.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/commands.js';
import { killProcess, startGatewayProcess } from '../peers/gateway/cli-process.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { startTesServer, type TesServer } from '../peers/tes-server/server.js';

const tag = randomBytes(6).toString('hex');
const planted = (kind: string): string => `PLANTED${kind}${tag}`;
const SECRETS = {
  pulsar: planted('pulsartoken'),
  bearer: planted('bearer'),
  inline: planted('inline'),
  basic: planted('basicpw'),
  userinfo: planted('userinfo'),
  urlQuery: planted('urlquery'),
  mq: planted('mqpw'),
  mqUrl: planted('mqurl'),
  client: planted('clienttoken'),
};
const env: NodeJS.ProcessEnv = { PULSAR_TOKEN: SECRETS.pulsar, TES_TOKEN: SECRETS.bearer, TES_PASSWORD: SECRETS.basic, MQ_PASSWORD: SECRETS.mq, CLIENT_TOKEN: SECRETS.client };

let dir: string;
let pulsar: PulsarServer;
let tes: TesServer;
let config: string;
const printed: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-secrets-'));
  await mkdir(join(dir, 'out'));
  pulsar = await startPulsar({ token: SECRETS.pulsar });
  tes = await startTesServer({ bearerTokens: () => [SECRETS.bearer, SECRETS.inline], basic: { username: 'tes-user', password: SECRETS.basic } });
  const tesUrl = new URL(tes.url);
  config = join(dir, 'network.yaml');
  await writeFile(
    config,
    [
      'seed: secrets',
      'failover: { pollIntervalMs: 100, maxAttempts: 2 }',
      'strategy: { pinned: [eu-pulsar, laptop] }',
      'health: { probeTimeoutMs: 3000 }',
      'sites:',
      `  - { id: eu-pulsar, kind: pulsar-rest, url: '${pulsar.url}', auth: { type: query, name: private_token, valueEnv: PULSAR_TOKEN }, options: { allowNoContainer: true } }`,
      `  - { id: tes-bearer, kind: tes, url: '${tes.url}', auth: { type: bearer, tokenEnv: TES_TOKEN } }`,
      `  - { id: tes-inline, kind: tes, url: '${tes.url}', auth: { type: bearer, token: ${SECRETS.inline} } }`,
      `  - { id: tes-basic, kind: tes, url: '${tes.url}', auth: { type: basic, username: tes-user, passwordEnv: TES_PASSWORD } }`,
      `  - { id: tes-in-url, kind: tes, url: 'http://someone:${SECRETS.userinfo}@${tesUrl.host}${tesUrl.pathname}?private_token=${SECRETS.urlQuery}' }`,
      `  - { id: mq, kind: pulsar-amqp, url: 'amqp://127.0.0.1:1/', auth: { type: basic, username: guest, passwordEnv: MQ_PASSWORD }, options: { jobsDirectory: /srv/pulsar/staging } }`,
      `  - { id: mq-in-url, kind: pulsar-amqp, url: 'amqp://guest:${SECRETS.mqUrl}@127.0.0.1:1/', options: { jobsDirectory: /srv/pulsar/staging } }`,
      `  - { id: laptop, kind: local, options: { allowNoContainer: true, trusted: true, workDir: ${join(dir, 'site')} } }`,
      'gateway:',
      '  store: tasks.db',
      '  clients: [{ name: engine, tokenEnv: CLIENT_TOKEN }]',
      `  urls: { outputs: { roots: [${join(dir, 'out')}] } }`,
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'task.json'), JSON.stringify(task('cli-result.txt')));
}, 180_000);
afterAll(async () => {
  await tes?.close();
  await pulsar?.stop();
  await rm(dir, { recursive: true, force: true });
});

function task(output: string): Record<string, unknown> {
  return { name: 'secrets', outputs: [{ path: '/out/r.txt', url: join(dir, 'out', output) }], executors: [{ image: 'alpine', command: ['sh', '-c', 'echo done > /out/r.txt'] }] };
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, env };
  const code = await runCli(argv, io);
  printed.push(out, err);
  return { code, out, err };
}

/** Every planted secret found in the text, in any of its forms. */
function leaks(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')].some((form) => text.includes(form)) || text.includes(tag))
    .map(([kind]) => kind);
}

describe('secrets in site credentials', () => {
  it('appear in no output of any command, table or JSON, errors included', async () => {
    const sites = await cli('sites', '--config', config);
    expect(sites.code).toBe(0);
    expect(sites.out).toMatch(/^mq\s+pulsar-amqp\s+\S+/m);
    const sitesJson = await cli('sites', '--config', config, '--json');
    const parsed = JSON.parse(sitesJson.out) as Array<{ site: { id: string; url?: string }; probe?: { error?: string } }>;
    expect(parsed.find((s) => s.site.id === 'tes-in-url')?.site.url).toMatch(/^http:\/\/REDACTED:REDACTED@127\.0\.0\.1:\d+\/ga4gh\/tes\/v1\/?\?private_token=\[REDACTED\]$/);
    expect(parsed.find((s) => s.site.id === 'mq')?.probe?.error).toBeDefined();
    expect((await cli('explain', join(dir, 'task.json'), '--config', config)).code).toBe(0);
    const explained = await cli('explain', join(dir, 'task.json'), '--config', config, '--json');
    expect(JSON.parse(explained.out)).toMatchObject({ chosen: 'eu-pulsar' });

    const submitted = await cli('submit', join(dir, 'task.json'), '--config', config, '--watch', '--json');
    expect(submitted.code).toBe(0);
    const id = (JSON.parse(submitted.out.split('\n')[0] as string) as { id: string }).id;
    expect(await readFile(join(dir, 'out', 'cli-result.txt'), 'utf8')).toBe('done\n');
    expect((await cli('logs', id, '--config', config)).code).toBe(0);
    expect((await cli('logs', id, '--config', config, '--json')).code).toBe(0);
    expect((await cli('cancel', id, '--config', config)).code).toBe(0);
    expect((await cli('cancel', id, '--config', config, '--json')).code).toBe(0);

    // an error naming a site with credentials in its URL: the only site is unreachable
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, ['sites:', `  - { id: tes-in-url, kind: tes, url: 'http://someone:${SECRETS.userinfo}@127.0.0.1:1/ga4gh/tes/v1?private_token=${SECRETS.urlQuery}', auth: { type: bearer, tokenEnv: TES_TOKEN } }`, 'failover: { maxAttempts: 1, backoff: { minDelay: 0, maxDelay: 0 } }', 'gateway: { store: broken.db }', ''].join('\n'));
    const failed = await cli('submit', join(dir, 'task.json'), '--config', broken, '--watch');
    expect(failed.code, failed.err + failed.out).toBe(1);
    expect(failed.out).toMatch(/error|failed/);
    const badConfig = await cli('sites', '--config', join(dir, 'missing.yaml'));
    expect(badConfig.code).toBe(2);

    expect(leaks(printed.join('\n'))).toEqual([]);
  });

  it('appear in no answer of a running gateway, no decision record, and no file it writes; its database is 0600', async () => {
    const gw = await startGatewayProcess(config, { env });
    try {
      const headers = { authorization: `Bearer ${SECRETS.client}`, 'content-type': 'application/json' };
      const created = await fetch(`${gw.url}/tasks`, { method: 'POST', headers, body: JSON.stringify(task('gateway-result.txt')) });
      expect(created.status).toBe(200);
      const { id } = (await created.json()) as { id: string };
      let state = 'QUEUED';
      while (!['COMPLETE', 'SYSTEM_ERROR', 'EXECUTOR_ERROR'].includes(state)) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        state = ((await (await fetch(`${gw.url}/tasks/${id}`, { headers })).json()) as { state: string }).state;
      }
      expect(state).toBe('COMPLETE');
      const answers = await Promise.all(['/service-info', '/tasks?view=FULL', `/tasks/${id}?view=FULL`, `/tasks/${id}/decision`].map(async (path) => (await fetch(`${gw.url}${path}`, { headers })).text()));
      expect(JSON.parse(answers[3] as string)).toMatchObject({ chosen: 'eu-pulsar', views: expect.arrayContaining([expect.objectContaining({ site: expect.objectContaining({ id: 'mq-in-url' }) })]) });
      expect(leaks([...answers, gw.stderr()].join('\n'))).toEqual([]);
    } finally {
      await killProcess(gw.child, 'SIGTERM');
    }

    // every file below the scratch directory but the operator's own configuration files
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    const written = files.filter((f) => !f.endsWith('.yaml') && !f.endsWith('task.json'));
    expect(written.some((f) => f.endsWith('tasks.db'))).toBe(true);
    for (const file of written) {
      const text = (await readFile(file)).toString('latin1');
      const at = text.indexOf(tag);
      expect(leaks(text), `${file}: ${at >= 0 ? text.slice(Math.max(0, at - 200), at + 50) : ''}`).toEqual([]);
    }
    for (const suffix of ['', '-wal', '-shm']) {
      const mode = await stat(join(dir, `tasks.db${suffix}`)).then((s) => (s.mode & 0o777).toString(8), () => 'missing');
      expect(['600', 'missing'], suffix).toContain(mode);
    }
    expect(((await stat(join(dir, 'tasks.db'))).mode & 0o777).toString(8)).toBe('600');
  });
});
