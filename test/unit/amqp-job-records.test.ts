// The job records of a PulsarMqSite with a stateDirectory, read back as untrusted input:
// a record is taken only when its file is the user's own and everything in it checks out.
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PulsarNetworkError, ValidationError } from '../../src/index.js';
import { PulsarMqSite } from '../../src/node.js';
import { pulsarMqConfig } from '../../src/sites/pulsar-amqp/config.js';
import { newJobFilesKey } from '../../src/internal.js';
import { JobRecordStore, recordIssues, type MqJobRecord } from '../../src/sites/pulsar-amqp/job-records.js';

let dir: string;
const expectations = () => ({ siteId: 'eu-amqp', manifestPath: (id: string) => join(dir, `${id}.manifest`) });

function record(remoteId = 'job1'): MqJobRecord {
  return {
    format: 'pulsar-network/amqp-job',
    version: 1,
    site: 'eu-amqp',
    remoteId,
    idempotencyKey: `key-${remoteId}`,
    spec: {
      inputs: [
        { path: '/data/in.txt', url: 'file:///home/me/in.txt' },
        { path: '/data/name.txt', content: 'world' },
      ],
      outputs: [{ path: '/data/out.txt', url: 'results/out.txt' }],
      executors: [{ image: 'alpine', command: ['true'] }],
    },
    cwd: '/home/me',
    files: {
      key: newJobFilesKey(),
      inputs: [{ path: '/data/in.txt', file: '/home/me/in.txt' }, { path: '/data/name.txt' }],
      outputs: [
        { name: 'output-0', destination: '/home/me/results/out.txt' },
        { name: 'pulsar-network-manifest', destination: join(dir, `${remoteId}.manifest`) },
      ],
    },
    setupAt: 1_700_000_000_000,
    known: false,
    state: 'queued',
    siteState: 'preprocessing',
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'amqp-records-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recordIssues', () => {
  it('takes a record whose files grant is exactly what its spec names', () => {
    expect(recordIssues(record(), 'job1', expectations())).toEqual([]);
  });

  it('refuses a tampered record that grants /etc/passwd as an input or an output', () => {
    const input = record();
    input.files.inputs[0] = { path: '/data/in.txt', file: '/etc/passwd' };
    expect(recordIssues(input, 'job1', expectations())).toEqual([{ path: '$.files.inputs', message: "are not the inputs the job's spec names" }]);
    const extra = record();
    extra.files.inputs.push({ path: '/data/secret', file: '/etc/passwd' });
    expect(recordIssues(extra, 'job1', expectations()).map((i) => i.path)).toEqual(['$.files.inputs']);
    const output = record();
    output.files.outputs[0] = { name: 'output-0', destination: '/etc/passwd' };
    expect(recordIssues(output, 'job1', expectations())).toEqual([{ path: '$.files.outputs', message: "are not the outputs the job's spec names" }]);
    const manifest = record();
    (manifest.files.outputs[1] as { destination: string }).destination = '/etc/passwd';
    expect(recordIssues(manifest, 'job1', expectations()).map((i) => i.path)).toEqual(['$.files.outputs']);
    // A field more on an entry is not the same grant either.
    const more = record();
    (more.files.outputs[0] as Record<string, string>).also = '/etc/passwd';
    expect(recordIssues(more, 'job1', expectations()).map((i) => i.path)).toEqual(['$.files.outputs']);
  });

  it('refuses foreign, mismatched and malformed records, each naming what is wrong', () => {
    expect(recordIssues([], 'job1', expectations())).toEqual([{ path: '$', message: 'must be an object' }]);
    expect(recordIssues({ ...record(), format: 'other' }, 'job1', expectations())[0]?.path).toBe('$.format');
    expect(recordIssues({ ...record(), site: 'someone-else' }, 'job1', expectations())[0]?.message).toBe('belongs to another site ("someone-else")');
    expect(recordIssues(record('job2'), 'job1', expectations())).toEqual([{ path: '$.remoteId', message: 'does not match the file name' }]);
    expect(recordIssues({ ...record(), setupAt: Date.now() + 3_600_000, state: 'done', known: 'yes', exitCodes: [0.5] }, 'job1', expectations()).map((i) => i.path)).toEqual([
      '$.setupAt',
      '$.known',
      '$.state',
      '$.exitCodes',
    ]);
    expect(recordIssues({ ...record(), files: { ...record().files, key: 'short' } }, 'job1', expectations())[0]?.path).toBe('$.files');
    expect(recordIssues({ ...record(), cwd: 'relative' }, 'job1', expectations())[0]).toEqual({ path: '$.cwd', message: 'must be an absolute path' });
    const badSpec = record();
    badSpec.spec.executors = [];
    expect(recordIssues(badSpec, 'job1', expectations())[0]).toMatchObject({ path: '$.spec.executors' });
    expect(recordIssues({ ...record(), outcome: { state: 'complete', executors: [], outputs: [{ path: 1 }], systemLogs: [] } }, 'job1', expectations())[0]?.path).toBe('$.outcome');
  });
});

describe('JobRecordStore', () => {
  it('writes records mode 0600 through a temporary name and reads them back', async () => {
    const store = new JobRecordStore(dir);
    const first = record('job1');
    await Promise.all([store.save('job1', () => ({ ...first, state: 'running' })), store.save('job1', () => ({ ...first, state: 'complete' }))]);
    expect(await readdir(dir)).toEqual(['job1.json']);
    expect((await stat(join(dir, 'job1.json'))).mode & 0o777).toBe(0o600);
    const { records, skipped } = await store.load(expectations());
    expect(skipped).toEqual([]);
    expect(records).toHaveLength(1);
    // Writes of one job land in order: the last one is what is read back.
    expect(records[0]).toEqual({ ...first, state: 'complete' });
    await store.remove('job1');
    expect(await readdir(dir)).toEqual([]);
  });

  it('skips, without failing, corrupt, foreign, tampered, shared-writable and linked record files; ignores other files', async () => {
    const store = new JobRecordStore(dir);
    await store.save('good', () => record('good'));
    await writeFile(join(dir, 'corrupt.json'), '{"format": "pulsar-net', { mode: 0o600 });
    await writeFile(join(dir, 'foreign.json'), JSON.stringify({ hello: 'world' }), { mode: 0o600 });
    const tampered = record('tampered');
    tampered.files.outputs[0] = { name: 'output-0', destination: '/etc/passwd' };
    await writeFile(join(dir, 'tampered.json'), JSON.stringify(tampered), { mode: 0o600 });
    await writeFile(join(dir, 'shared.json'), JSON.stringify(record('shared')));
    await chmod(join(dir, 'shared.json'), 0o666);
    await writeFile(join(dir, 'elsewhere'), JSON.stringify(record('linked')), { mode: 0o600 });
    await symlink(join(dir, 'elsewhere'), join(dir, 'linked.json'));
    await writeFile(join(dir, 'notes.txt'), 'not a record');
    await writeFile(join(dir, '.good.json.0123456789ab.tmp'), 'a write cut short', { mode: 0o600 });

    const { records, skipped } = await store.load(expectations());
    expect(records.map((r) => r.remoteId)).toEqual(['good']);
    expect(Object.fromEntries(skipped.map((s) => [s.file.slice(dir.length + 1), s.reason]))).toEqual({
      'corrupt.json': expect.stringMatching(/^not JSON/),
      'foreign.json': '$.format: is not a pulsar-network/amqp-job record of version 1',
      'linked.json': 'not a regular file (a link or something else)',
      'shared.json': 'writable by others than its owner',
      'tampered.json': "$.files.outputs: are not the outputs the job's spec names",
    });
    // The left-over temporary file is cleared; nothing else is touched.
    expect((await readdir(dir)).sort()).toEqual(['corrupt.json', 'elsewhere', 'foreign.json', 'good.json', 'linked.json', 'notes.txt', 'shared.json', 'tampered.json']);
    expect(await readFile(join(dir, 'elsewhere'), 'utf8')).toContain('linked');
  });

  it('creates a missing state directory mode 0700', async () => {
    const nested = join(dir, 'state');
    expect((await new JobRecordStore(nested).load(expectations())).records).toEqual([]);
    expect((await stat(nested)).mode & 0o777).toBe(0o700);
  });
});

describe('PulsarMqSite with a stateDirectory it cannot use', () => {
  it('fails its calls with a ValidationError naming stateDirectory, before any broker is tried', async () => {
    await writeFile(join(dir, 'a-file'), 'not a directory');
    const site = new PulsarMqSite({ url: 'amqp://127.0.0.1:1', jobsDirectory: '/srv/staging', stateDirectory: join(dir, 'a-file', 'state') });
    try {
      const error = await site.attach('abc').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([{ path: 'stateDirectory', message: expect.stringMatching(/^cannot be created or read \(ENOTDIR/) }]);
      await expect(site.lookup('key')).rejects.toBeInstanceOf(ValidationError);
    } finally {
      await site.close();
    }
  });
});

describe('PulsarMqSite whose job record cannot be written', () => {
  it('fails the submit with a PulsarNetworkError saying nothing was sent, and keeps no job', async () => {
    // /proc/self can be listed but takes no new files, even from root.
    const site = new PulsarMqSite({ url: 'amqp://127.0.0.1:1', jobsDirectory: '/srv/staging', stateDirectory: '/proc/self', reconnect: { minDelay: 50, maxDelay: 100 } });
    try {
      const error = await site.submit({ executors: [{ image: 'x', command: ['true'] }] }, { idempotencyKey: 'k' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PulsarNetworkError);
      expect((error as Error).message).toMatch(/^could not record the job in the state directory \/proc\/self \(.+\); nothing was sent$/);
      expect(await site.lookup('k')).toBeUndefined();
    } finally {
      await site.close();
    }
  });
});

describe('stateDirectory in a network configuration', () => {
  it('is read as an option of a pulsar-amqp site, and must be absolute', () => {
    expect(pulsarMqConfig('eu1', 'amqp://mq', { type: 'none' }, { jobsDirectory: '/s', stateDirectory: '/var/lib/me/amqp' }).stateDirectory).toBe('/var/lib/me/amqp');
    expect(() => pulsarMqConfig('eu1', 'amqp://mq', { type: 'none' }, { jobsDirectory: '/s', stateDirectory: 'relative' })).toThrow(
      /\$\.sites\[id=eu1\]\.options\.stateDirectory: must be an absolute directory path/,
    );
  });
});
