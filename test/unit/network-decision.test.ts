import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { balanced, Network, weightedRandom, type DecisionRecord, type JobSpec, type NetworkConfig, type SiteSelector } from '../../src/index.js';
import { decide, DECISION_SCHEMA } from '../../src/internal.js';
import { ended, fastEngine, FakeSite } from './network-fake-site.js';

const CONFIG: NetworkConfig = {
  failover: { maxAttempts: 3, backoff: { minDelay: 1, maxDelay: 3, jitter: 1 } },
  sites: [
    { id: 'it03', kind: 'pulsar-rest', url: 'https://it03.example.org', resources: { maxCores: 32, maxMemoryGb: 124 }, storages: ['s3://it/'], weight: 2 },
    { id: 'cz01', kind: 'pulsar-rest', url: 'https://cz01.example.org', resources: { maxCores: 32, maxMemoryGb: 256 }, storages: ['s3://cz/'], weight: 1 },
    { id: 'be01', kind: 'pulsar-rest', url: 'https://be01.example.org', resources: { maxCores: 8, maxMemoryGb: 15 }, weight: 1 },
    { id: 'fr01', kind: 'pulsar-rest', url: 'https://fr01.example.org', resources: { maxCores: 8, maxMemoryGb: 63 }, storages: ['s3://it/'], weight: 3 },
  ],
};

const specs: JobSpec[] = Array.from({ length: 10 }, (_, i) => ({
  name: `job-${i}`,
  resources: { cpu_cores: i % 3 === 0 ? 16 : 4, ram_gb: i % 4 === 0 ? 100 : 8, backend_parameters_strict: false },
  inputs: [{ path: '/in', url: i % 2 ? 's3://it/data.bam' : 's3://cz/data.bam' }],
  executors: [{ image: 'alpine', command: ['true'] }],
}));

/** Builds a network of fake sites where it03 fails every third job, on a fixed clock. */
async function build(seed: string, strategy: SiteSelector) {
  let id = 0;
  const script = (n: number) => ({ states: n % 3 === 0 ? (['queued', 'system_error'] as const) : (['queued', 'running', 'complete'] as const) }).states;
  const sites = Object.fromEntries(CONFIG.sites.map((s) => [s.id, new FakeSite(s.id, (n) => ({ states: s.id === 'it03' ? [...script(n)] : ['queued', 'running', 'complete'] }))]));
  return Network.create({ ...CONFIG, seed }, { sites, strategy, now: () => 1_700_000_000_000, newId: () => `id-${++id}`, engine: fastEngine(300_000) });
}

async function run(seed: string, strategy: SiteSelector): Promise<DecisionRecord[]> {
  const network = await build(seed, strategy);
  const records: DecisionRecord[] = [];
  for (const [i, spec] of specs.entries()) {
    const result = await ended(network, network.submit(spec, { inputSizes: { 's3://it/data.bam': 1e9 * (i + 1), 's3://cz/data.bam': 5e8 } }));
    records.push(result.record);
  }
  return records;
}

describe('decision records', () => {
  it('are identical for the same seed and the same views, failovers included', async () => {
    for (const strategy of [weightedRandom, balanced]) {
      const first = await run('replay-1', strategy());
      const second = await run('replay-1', strategy());
      expect(JSON.stringify(second)).toBe(JSON.stringify(first));
      expect(first.some((r) => r.failovers.length > 0)).toBe(true);
    }
  });

  it('change with the seed where the strategy draws at random', async () => {
    const a = await run('seed-a', weightedRandom());
    const b = await run('seed-b', weightedRandom());
    expect(a.map((r) => r.chosen)).not.toEqual(b.map((r) => r.chosen));
    expect(a.every((r) => r.seed === 'seed-a')).toBe(true);
  });

  it('are plain JSON with the documented fields', async () => {
    const [record] = await run('shape', balanced());
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    expect(record).toMatchObject({
      schema: DECISION_SCHEMA,
      job: { id: 'id-1', name: 'job-0', idempotencyKey: 'id-1' },
      submitted: true,
      strategy: 'balanced',
      seed: 'shape',
      sequence: 0,
      request: { resources: { cores: 16, memoryGb: 100, gpus: 0 }, inputs: [{ url: 's3://cz/data.bam', bytes: 5e8 }] },
      // 16 cores: be01 and fr01 take 8 at most; 100 GB: it03 takes 124, cz01 256
      excluded: [
        { site: 'be01', by: 'eligibility', reason: 'asks 16 cores, the site accepts at most 8' },
        { site: 'fr01', by: 'eligibility', reason: 'asks 16 cores, the site accepts at most 8' },
      ],
      chosen: 'cz01',
      timestamps: { decidedAt: '2023-11-14T22:13:20.000Z', finishedAt: '2023-11-14T22:13:20.000Z' },
      outcome: { state: 'complete', site: 'cz01' },
    });
    expect(record?.candidates.map((c) => c.site)).toEqual(['cz01', 'it03']);
    expect(Object.keys(record?.candidates[0]?.terms ?? {})).toEqual(expect.arrayContaining(['dataLocality', 'fastest', 'leastLoaded', 'tieBreak', 'dataLocality.bytesToMove']));
    expect(record?.views.map((v) => v.site.id)).toEqual(['it03', 'cz01', 'be01', 'fr01']);
  });

  it('match the JSON Schema in docs/decision-record.schema.json', async () => {
    const schema = JSON.parse(readFileSync(new URL('../../docs/decision-record.schema.json', import.meta.url), 'utf8')) as object;
    const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(schema);
    const records = [...(await run('schema', balanced())), (await build('schema', balanced())).explain(specs[0] as JobSpec)];
    for (const record of records) expect(validate(JSON.parse(JSON.stringify(record))), JSON.stringify(validate.errors)).toBe(true);
    expect(records.some((r) => r.failovers.length > 0 && r.attempts.some((a) => a.ending === 'system_error'))).toBe(true);
    expect(validate({ ...records[0], chosen: 7 })).toBe(false);
  });

  it('explain gives the decision submit then makes, without submitting', async () => {
    const network = await build('explain', balanced());
    const spec = specs[1] as JobSpec;
    const explained = network.explain(spec, { id: 'same' });
    expect(explained.submitted).toBe(false);
    expect(network.explain(spec, { id: 'same' })).toEqual(explained); // explaining uses no sequence number
    const job = network.submit(spec, { id: 'same' });
    const { submitted: _s, attempts: _a, ...decided } = network.decision(job) as DecisionRecord;
    const { submitted: _s2, attempts: _a2, ...expected } = explained;
    expect(decided).toEqual(expected);
    await job.wait();
  });

  it('can be replayed from their own views', async () => {
    const [record] = await run('provenance', balanced());
    if (!record) throw new Error('no record');
    const replayed = decide({
      job: record.job,
      request: record.request,
      candidates: record.views,
      strategy: balanced(),
      seed: record.seed,
      now: Date.parse(record.timestamps.decidedAt),
      submitted: true,
    });
    expect(replayed.candidates).toEqual(record.candidates);
    expect(replayed.excluded).toEqual(record.excluded);
    expect(replayed.chosen).toBe(record.chosen);
  });
});
