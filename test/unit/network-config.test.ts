import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Network, ValidationError } from '../../src/index.js';
import { readNetworkConfig } from '../../src/node.js';
import { parseNetworkConfig, strategyFromConfig, validateNetworkConfig } from '../../src/internal.js';

const env = { IT03_TOKEN: 'it03-secret-value', TES_TOKEN: 'tes-secret-value' };
const site = (over: Record<string, unknown> = {}) => ({ id: 'it03', kind: 'pulsar-rest', url: 'https://it03.example.org', ...over });

function issuesOf(input: unknown): Array<{ path: string; message: string }> {
  try {
    validateNetworkConfig(input, { env, onWarning: () => undefined });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }
  throw new Error('the configuration was accepted');
}

const YAML = `
seed: run-7
strategy:
  filters: [resourceFit, tags]
  scorers: { dataLocality: 2, leastLoaded: 1 }
  tieBreak: random
defaults:
  maxInFlight: 8
  submitRate: { perSecond: 2, burst: 4 }
failover:
  maxAttempts: 4
  queuedDeadlineMs: 600000
  resubmitQueued: true
sites:
  - id: it03
    kind: pulsar-rest
    url: https://it03.example.org
    auth: { type: query, name: private_token, valueEnv: IT03_TOKEN }
    resources: { maxCores: 32, maxMemoryGb: 124 }
    tags: [it03-pulsar, singularity]
    location: { name: GARR, country: IT }
    storages: ['https://data.it03.example.org/']
    weight: 2
  - id: tes1
    kind: tes
    url: https://tes.example.org/ga4gh/tes/v1
    auth: { type: bearer, tokenEnv: TES_TOKEN }
    tags: { require: [tes], reject: [gpu] }
    maxInFlight: 2
`;

describe('network configuration', () => {
  it('reads a YAML file with references, defaults and a declarative strategy', async () => {
    const config = await parseNetworkConfig(YAML, { env, onWarning: () => undefined });
    expect(config.seed).toBe('run-7');
    // Checked here, built by the network (so checking a configuration loads no strategy).
    expect(config.strategy).toEqual({ filters: ['resourceFit', 'tags'], scorers: { dataLocality: 2, leastLoaded: 1 }, tieBreak: 'random' });
    expect(strategyFromConfig(config.strategy!).name).toBe('composite(resourceFit+tags | 2*dataLocality+1*leastLoaded | random)');
    expect(config.failover).toMatchObject({ maxAttempts: 4, queuedDeadlineMs: 600000, resubmitQueued: true });
    const [it03, tes1] = config.sites;
    expect(it03?.description).toEqual({
      id: 'it03',
      kind: 'pulsar-rest',
      url: 'https://it03.example.org',
      resources: { maxCores: 32, maxMemoryGb: 124 },
      tags: { accept: ['it03-pulsar', 'singularity'] },
      location: { name: 'GARR', country: 'IT' },
      storages: ['https://data.it03.example.org/'],
      weight: 2,
      maxInFlight: 8,
      submitRate: { perSecond: 2, burst: 4 },
    });
    expect(it03?.auth).toEqual({ type: 'query', name: 'private_token', value: 'it03-secret-value' });
    expect(tes1?.auth).toEqual({ type: 'bearer', token: 'tes-secret-value' });
    expect(tes1?.description.maxInFlight).toBe(2);
    expect(JSON.stringify(config.sites.map((s) => s.description))).not.toContain('secret-value');
  });

  it('resolves token providers by name', async () => {
    const provider = async () => 'from-provider';
    const config = validateNetworkConfig({ sites: [site({ auth: { type: 'bearer', tokenProvider: 'egi' } })] }, { tokenProviders: { egi: provider } });
    expect(config.sites[0]?.auth).toEqual({ type: 'bearer', token: provider });
  });

  it('accepts an inline secret with a warning that names the path and never the secret', () => {
    const warnings: string[] = [];
    const config = validateNetworkConfig(
      { sites: [site({ auth: { type: 'bearer', token: 'hunter2-inline' } }), site({ id: 'b', url: 'https://user:pw-inline@b.example.org/?private_token=tok-inline' })] },
      { onWarning: (w) => warnings.push(w) },
    );
    expect(config.sites[0]?.auth).toEqual({ type: 'bearer', token: 'hunter2-inline' });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^\$\.sites\[0\]\.auth\.token: an inline secret is accepted/);
    expect(warnings[1]).toMatch(/^\$\.sites\[1\]\.url: the URL carries credentials inline/);
    for (const w of warnings) expect(w).not.toMatch(/hunter2|pw-inline|tok-inline/);
  });

  it.each([
    ['no sites at all', {}, '$.sites', 'is required: a list of at least one site'],
    ['an empty site list', { sites: [] }, '$.sites', 'must list at least one site'],
    ['a site without a kind', { sites: [{ id: 'a', url: 'https://a.example.org' }] }, '$.sites[0].kind', 'is required: one of tes, pulsar-rest, pulsar-amqp, local'],
    ['an unknown kind', { sites: [site({ kind: 'slurm' })] }, '$.sites[0].kind', 'must be one of tes, pulsar-rest, pulsar-amqp, local — got "slurm"'],
    ['a misspelt kind', { sites: [site({ kind: 'locl' })] }, '$.sites[0].kind', 'must be one of tes, pulsar-rest, pulsar-amqp, local — got "locl"; did you mean "local"?'],
    ['a kind of the wrong type', { sites: [site({ kind: 7 })] }, '$.sites[0].kind', 'must be one of tes, pulsar-rest, pulsar-amqp, local — got 7'],
    ['a misspelt auth type', { sites: [site({ auth: { type: 'Bearer', tokenEnv: 'T' } })] }, '$.sites[0].auth.type', 'must be one of none, bearer, basic, query — got "Bearer"; did you mean "bearer"?'],
    ['a relative URL', { sites: [site({ url: 'it03.example.org' })] }, '$.sites[0].url', 'is not an absolute URL'],
    ['the wrong URL scheme', { sites: [site({ kind: 'pulsar-amqp', url: 'https://mq.example.org' })] }, '$.sites[0].url', 'must use amqp or amqps for a site of kind "pulsar-amqp", got "https"'],
    ['a missing URL', { sites: [{ id: 'a', kind: 'tes' }] }, '$.sites[0].url', 'is required for a site of kind "tes"'],
    ['a duplicate id', { sites: [site(), site()] }, '$.sites[1].id', 'duplicates the id of $.sites[0] ("it03")'],
    ['a bad id', { sites: [site({ id: 'it 03' })] }, '$.sites[0].id', 'must match letters, digits, ".", "_" and "-", got "it 03"'],
    ['a typo in a key', { sites: [site({ maxInFligth: 3 })] }, '$.sites[0].maxInFligth', 'unknown key (did you mean "maxInFlight"?)'],
    ['a negative weight', { sites: [site({ weight: -1 })] }, '$.sites[0].weight', 'must be at least 0, got -1'],
    ['a fractional maxInFlight', { sites: [site({ maxInFlight: 2.5 })] }, '$.sites[0].maxInFlight', 'must be an integer, got 2.5'],
    ['min above max', { sites: [site({ resources: { minCores: 16, maxCores: 8 } })] }, '$.sites[0].resources.minCores', 'is larger than maxCores (16 > 8)'],
    ['memory as text', { sites: [site({ resources: { maxMemoryGb: '64G' } })] }, '$.sites[0].resources.maxMemoryGb', 'must be a finite number, got a string'],
    ['a zero submit rate', { sites: [site({ submitRate: { perSecond: 0 } })] }, '$.sites[0].submitRate.perSecond', 'must be greater than 0, got 0'],
    ['an unset environment variable', { sites: [site({ auth: { type: 'bearer', tokenEnv: 'NOPE_TOKEN' } })] }, '$.sites[0].auth.tokenEnv', 'environment variable NOPE_TOKEN is not set'],
    ['an unknown token provider', { sites: [site({ auth: { type: 'bearer', tokenProvider: 'egi' } })] }, '$.sites[0].auth.tokenProvider', 'no token provider named "egi" was given to the network'],
    ['two secret sources', { sites: [site({ auth: { type: 'bearer', tokenEnv: 'TES_TOKEN', token: 'x' } })] }, '$.sites[0].auth', 'needs exactly one of tokenEnv, tokenProvider, token (got tokenEnv, token)'],
    ['a key of another auth type', { sites: [site({ auth: { type: 'basic', username: 'u', passwordEnv: 'TES_TOKEN', tokenEnv: 'TES_TOKEN' } })] }, '$.sites[0].auth.tokenEnv', 'does not apply to auth type "basic"'],
    ['a tag both required and rejected', { sites: [site({ tags: { require: ['gpu'], reject: ['gpu'] } })] }, '$.sites[0].tags.reject', 'tag "gpu" is both required and rejected'],
    ['a latitude off the globe', { sites: [site({ location: { latitude: 123 } })] }, '$.sites[0].location.latitude', 'must be at most 90, got 123'],
    ['an unknown strategy', { strategy: 'fastestest', sites: [site()] }, '$.strategy', 'unknown strategy "fastestest"; built-ins: earliestCompletion, balanced, roundRobin, weightedRandom, leastLoaded, fastest, dataLocality, resourceFit, tags'],
    ['an inherited name as a strategy', { strategy: 'constructor', sites: [site()] }, '$.strategy', 'unknown strategy "constructor"; built-ins: earliestCompletion, balanced, roundRobin, weightedRandom, leastLoaded, fastest, dataLocality, resourceFit, tags'],
    ['an inherited name as a filter', { strategy: { filters: ['__proto__'] }, sites: [site()] }, '$.strategy.filters[0]', 'unknown strategy "__proto__"'],
    ['a pin to an unknown site', { strategy: { pinned: ['it04'] }, sites: [site()] }, '$.strategy.pinned[0]', 'no site has the id "it04"'],
    ['a scorer weight as text', { strategy: { scorers: { leastLoaded: 'high' } }, sites: [site()] }, '$.strategy.scorers.leastLoaded', 'must be a finite number, got a string'],
    ['resubmitQueued without a deadline', { failover: { resubmitQueued: true }, sites: [site()] }, '$.failover.resubmitQueued', 'needs $.failover.queuedDeadlineMs'],
    ['zero attempts', { failover: { maxAttempts: 0 }, sites: [site()] }, '$.failover.maxAttempts', 'must be at least 1, got 0'],
    ['a breaker rate above 1', { health: { breaker: { errorRate: 1.5 } }, sites: [site()] }, '$.health.breaker.errorRate', 'must be at most 1, got 1.5'],
    ['a jitter above 1', { health: { probeJitter: 2 }, sites: [site()] }, '$.health.probeJitter', 'must be at most 1, got 2'],
  ])('rejects %s, naming the path', (_what, input, path, message) => {
    expect(issuesOf(input)).toContainEqual({ path, message });
  });

  it('builds only the built-in strategies from a description, not names every object inherits', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => strategyFromConfig(name), name).toThrow(new RangeError(`unknown strategy "${name}"`));
      expect(() => strategyFromConfig({ filters: [name] }), name).toThrow(RangeError);
    }
  });

  it('reports every problem of a file at once, and nothing is left half-built', () => {
    const issues = issuesOf({ sites: [site({ weight: 'heavy', maxInFlight: 0 }), { id: 'b', kind: 'tes', url: 'ftp://b' }], failover: { maxAttempts: 'many' } });
    expect(issues.map((i) => i.path)).toEqual(['$.failover.maxAttempts', '$.sites[0].weight', '$.sites[0].maxInFlight', '$.sites[1].url']);
  });

  it('never echoes a value that may be a secret in an error', () => {
    let message = '';
    try {
      validateNetworkConfig({ sites: [site({ auth: { type: 'bearer', token: 12345678 } })] });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('$.sites[0].auth.token: must be a non-empty string');
    expect(message).not.toContain('12345678');
  });

  it('reports YAML syntax errors with their line', async () => {
    let error: unknown;
    try {
      await parseNetworkConfig('sites:\n  - id: a\n   kind: tes\n');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('$');
    expect((error as ValidationError).issues[0]?.message).toMatch(/^not valid YAML or JSON at line 3, column \d+/);
  });

  it('reads a configuration file, and names an unreadable one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'network-config-'));
    try {
      await writeFile(join(dir, 'network.yaml'), YAML);
      const config = await readNetworkConfig(join(dir, 'network.yaml'), { env, onWarning: () => undefined });
      expect(config.sites.map((s) => s.description.id)).toEqual(['it03', 'tes1']);
      await expect(readNetworkConfig(join(dir, 'missing.yaml'))).rejects.toThrow(/\$: cannot read .*missing\.yaml \(ENOENT\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a configuration whose site kinds have no adapter, before building any site', async () => {
    let built = 0;
    const registry = new (await import('../../src/network/index.js')).SiteRegistry().register('tes', () => {
      built++;
      throw new Error('not reached');
    });
    const error = await Network.create(YAML, { env, registry, onWarning: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path: '$.sites[0].kind', message: 'no site adapter for kind "pulsar-rest": register a factory or pass the site in options.sites' }]);
    expect(built).toBe(0);
  });
});
