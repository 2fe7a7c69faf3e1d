/**
 * Issue 9, acceptance 1 and 5 with a real Pulsar: py-tes runs a 3-task
 * workflow through the gateway onto a real Pulsar server (pulsar-app) and the
 * outputs arrive; `sites` and `explain` print against a configuration with
 * the real Pulsar and the LocalSite; the Pulsar token never leaves the gateway.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/commands.js';
import { gatewayOptions, loadCliConfig } from '../../src/cli/config.js';
import { createTesGateway, type TesGateway } from '../../src/node.js';
import type { Network } from '../../src/index.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { runWithPyTes } from '../peers/tes-server/py-tes.js';

const TOKEN = 'pulsar-gateway-token-0123456789';
const script = join(dirname(fileURLToPath(import.meta.url)), '../peers/gateway/py_tes_workflow.py');
let pulsar: PulsarServer;
let dir: string;
let config: string;
let network: Network;
let gateway: TesGateway;
let url: string;
const env = (): NodeJS.ProcessEnv => ({ GATEWAY_PULSAR_TOKEN: pulsar.token ?? '', GATEWAY_CLIENT_TOKEN: TOKEN });

beforeAll(async () => {
  pulsar = await startPulsar({ manager: { concurrentJobs: 4 } });
  dir = await mkdtemp(join(tmpdir(), 'gateway-pulsar-'));
  config = join(dir, 'network.yaml');
  await writeFile(
    config,
    [
      'seed: gateway-pulsar',
      'strategy: { pinned: [eu-pulsar, laptop] }',
      'failover: { pollIntervalMs: 200 }',
      'sites:',
      '  - id: eu-pulsar',
      '    kind: pulsar-rest',
      `    url: ${pulsar.url}`,
      '    auth: { type: query, name: private_token, valueEnv: GATEWAY_PULSAR_TOKEN }',
      '    resources: { maxCores: 4 }',
      '    options: { allowNoContainer: true }',
      '  - id: laptop',
      '    kind: local',
      `    options: { allowNoContainer: true, trusted: true, workDir: ${join(dir, 'site')} }`,
      'gateway:',
      '  store: gateway.db',
      `  urls: { inputs: { roots: [${join(dir, 'workflow')}] }, outputs: { roots: [${join(dir, 'workflow')}] } }`,
      '  clients: [{ name: engine, tokenEnv: GATEWAY_CLIENT_TOKEN }]',
      '',
    ].join('\n'),
  );
  const loaded = await loadCliConfig(config, env());
  network = loaded.network;
  gateway = createTesGateway(network, gatewayOptions(loaded, { onWarning: () => undefined }));
  url = (await gateway.listen()).url;
});
afterAll(async () => {
  await gateway?.close();
  await network?.close();
  await pulsar?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTTY: false, env: env() };
  return { code: await runCli(argv, io), out, err };
}

describe('the gateway in front of a real Pulsar', () => {
  it('py-tes runs a 3-task workflow on the Pulsar site, outputs arriving', async () => {
    const wf = join(dir, 'workflow');
    await mkdir(wf, { recursive: true });
    const steps = JSON.parse(await runWithPyTes(script, [new URL(url).origin, TOKEN, wf], { timeoutMs: 170_000 })) as Array<{ rule: string; id: string; state: string; exit_code: number }>;
    expect(steps.map((s) => [s.rule, s.state, s.exit_code])).toEqual([
      ['make', 'COMPLETE', 0],
      ['upper', 'COMPLETE', 0],
      ['count', 'COMPLETE', 0],
    ]);
    expect(await readFile(join(wf, 'upper.txt'), 'utf8')).toBe('ALPHA\nBETA\nGAMMA\n');
    expect(await readFile(join(wf, 'count.txt'), 'utf8')).toBe('3\n');
    for (const step of steps) expect(gateway.task(step.id)).toMatchObject({ site: 'eu-pulsar', state: 'COMPLETE' });

    // the Pulsar token never leaves the gateway: not in service-info, tasks, lists or decision records
    const token = pulsar.token as string;
    expect(token.length).toBeGreaterThan(8);
    const headers = { authorization: `Bearer ${TOKEN}` };
    const answers = await Promise.all(
      ['/service-info', '/tasks?view=FULL', ...steps.flatMap((s) => [`/tasks/${s.id}?view=FULL`, `/tasks/${s.id}/decision`])].map((path) => fetch(`${url}${path}`, { headers }).then((r) => r.text())),
    );
    expect(answers.filter((text) => text.includes(token))).toEqual([]);
    expect(JSON.parse(answers[3] as string)).toMatchObject({ chosen: 'eu-pulsar', outcome: { state: 'complete', site: 'eu-pulsar' } });
  });

  it('sites and explain print against the real Pulsar and the LocalSite', async () => {
    const sites = await cli('sites', '--config', config);
    expect(sites.code).toBe(0);
    const rows = sites.out.trimEnd().split('\n').slice(1).map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => r.slice(0, 4))).toEqual([
      ['eu-pulsar', 'pulsar-rest', 'healthy', 'closed'],
      ['laptop', 'local', 'healthy', 'closed'],
    ]);
    expect(sites.out).not.toContain(pulsar.token as string);

    await writeFile(join(dir, 'task.json'), JSON.stringify({ name: 'x', resources: { cpu_cores: 2 }, executors: [{ image: 'alpine', command: ['true'] }] }));
    const explain = await cli('explain', join(dir, 'task.json'), '--config', config);
    expect(explain.code).toBe(0);
    const lines = explain.out.split('\n');
    expect(lines[0]).toBe('chosen: eu-pulsar   strategy: pinned(eu-pulsar,laptop)   seed: gateway-pulsar');
    expect(lines.filter((l) => /^\d\s/.test(l)).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([
      ['1', 'eu-pulsar'],
      ['2', 'laptop'],
    ]);
  });
});
