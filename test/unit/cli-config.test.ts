import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCliConfig } from '../../src/cli/config.js';
import { ValidationError } from '../../src/index.js';

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
    expect(gateway).toEqual({ store: join(dir, 'db/tasks.db'), port: 9000, clients: { a: { token: 'aaaaaaaaaaaaaaaa' }, b: { token: 'bbbbbbbbbbbbbbbbbbbb' } } });
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
    const weak = await load(`${SITES}gateway:\n  clients:\n    - { name: a, token: 'has a space inside it' }\n`).catch((e: unknown) => e);
    expect((weak as ValidationError).issues).toEqual([{ path: '$.gateway.clients[0]', message: 'needs token or tokenEnv: the token must not contain spaces or control characters' }]);
    await expect(loadCliConfig(join(dir, 'none.yaml'))).rejects.toThrow(/cannot read .*none\.yaml \(ENOENT\)/);
  });
});

describe('the gateway section: URL rules, limits and the no-token switch', () => {
  it('reads them, with client rules and limits', async () => {
    const { network, gateway } = await load(
      `${SITES}gateway:\n  allowUnauthenticated: false\n  checkRedirects: false\n  urls: { inputs: { roots: [/srv/data], allow: [10.0.0.0/8] } }\n  siteUrls: { laptop: { outputs: { roots: [/srv/out] } } }\n  limits: { maxInFlight: 5 }\n  taskLimits: { maxExecutors: 4 }\n  clients:\n    - { name: a, token: aaaaaaaaaaaaaaaa, urls: { inputs: { schemes: [s3] } }, limits: { submitsPerMinute: 2 } }\n`,
    );
    expect(gateway).toMatchObject({
      allowUnauthenticated: false,
      checkRedirects: false,
      urls: { inputs: { roots: ['/srv/data'], allow: ['10.0.0.0/8'] } },
      siteUrls: { laptop: { outputs: { roots: ['/srv/out'] } } },
      limits: { maxInFlight: 5 },
      taskLimits: { maxExecutors: 4 },
      clients: { a: { token: 'aaaaaaaaaaaaaaaa', urls: { inputs: { schemes: ['s3'] } }, limits: { submitsPerMinute: 2 } } },
    });
    await network.close();
  });

  it('names every malformed rule and limit with its path', async () => {
    const error = await load(
      `${SITES}gateway:\n  allowUnauthenticated: yes-please\n  urls: { inputs: { roots: [relative/dir], allow: [10.0.0.0/99], schemes: ['HTTP:'] }, sideways: {} }\n  limits: { maxInFlight: 0, perHour: 3 }\n  taskLimits: { maxExecutors: 1.5 }\n`,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(
      [
        '$.gateway.allowUnauthenticated',
        '$.gateway.limits.maxInFlight',
        '$.gateway.limits.perHour',
        '$.gateway.taskLimits.maxExecutors',
        '$.gateway.urls.inputs.allow[0]',
        '$.gateway.urls.inputs.roots[0]',
        '$.gateway.urls.inputs.schemes[0]',
        '$.gateway.urls.sideways',
      ].sort(),
    );
  });
});
