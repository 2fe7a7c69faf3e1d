import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCliConfig } from '../../src/cli/config.js';
import { ValidationError } from '../../src/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SITES = 'sites:\n  - { id: laptop, kind: local, options: { allowNoContainer: true } }\n';

async function load(text: string, env: NodeJS.ProcessEnv = {}) {
  const file = join(dir, `${Math.random()}.yaml`);
  await writeFile(file, text);
  return loadCliConfig(file, env);
}

describe('the command line configuration', () => {
  it('reads the gateway section: store relative to the file, clients from tokens or the environment', async () => {
    const { network, gateway } = await load(`${SITES}gateway:\n  store: db/tasks.db\n  port: 9000\n  clients:\n    - { name: a, token: aaaaaaaaaaaaaaaa }\n    - { name: b, tokenEnv: B_TOKEN }\n`, { B_TOKEN: 'bbbbbbbbbbbbbbbbbbbb' });
    expect(gateway).toEqual({ store: join(dir, 'db/tasks.db'), port: 9000, clients: { a: 'aaaaaaaaaaaaaaaa', b: 'bbbbbbbbbbbbbbbbbbbb' } });
    expect(network.sites().map((s) => s.site.id)).toEqual(['laptop']);
    await network.close();
    const defaults = await load(SITES);
    expect(defaults.gateway).toEqual({ store: join(dir, 'pulsar-network-gateway.db'), clients: {} });
    await defaults.network.close();
  });

  it('names every problem of the gateway section with its path, and never echoes a token', async () => {
    const error = await load(`${SITES}gateway:\n  prot: 1\n  port: 70000\n  clients:\n    - { name: a, token: short-secret }\n    - { name: b, tokenEnv: MISSING }\n    - { token: cccccccccccccccc }\n`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['$.gateway.prot', '$.gateway.port', '$.gateway.clients[0]', '$.gateway.clients[1]', '$.gateway.clients[2].name']);
    expect((error as Error).message).not.toContain('short-secret');
    await expect(load('sites: [')).rejects.toThrow(/is not YAML or JSON/);
    await expect(loadCliConfig(join(dir, 'none.yaml'))).rejects.toThrow(/cannot read .*none\.yaml \(ENOENT\)/);
  });
});
