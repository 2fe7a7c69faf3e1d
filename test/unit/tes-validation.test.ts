/**
 * Malformed tasks and options are refused with a ValidationError naming each
 * problem by its JSON path, and nothing is sent.
 */
import { describe, expect, it, vi } from 'vitest';
import { TesClient, validateTask, ValidationError, type TesTask } from '../../src/internal.js';

const good: TesTask = { executors: [{ image: 'alpine:3', command: ['echo', 'hi'] }] };

function client() {
  const fetch = vi.fn(async () => new Response('{}'));
  return { fetch, tes: new TesClient({ baseUrl: 'http://tes.invalid/ga4gh/tes/v1', fetch }) };
}

async function refused(task: unknown): Promise<ValidationError> {
  const { tes, fetch } = client();
  const error = await tes.createTask(task as TesTask).catch((e: unknown) => e);
  expect(fetch).not.toHaveBeenCalled();
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

const paths = (error: ValidationError) => error.issues.map((i) => i.path);

describe('createTask refuses a malformed task without sending it', () => {
  it.each<[string, unknown, string[]]>([
    ['no executors', { name: 'x' }, ['$.executors']],
    ['an empty executor list', { executors: [] }, ['$.executors']],
    ['an executor without image', { executors: [{ command: ['true'] }] }, ['$.executors[0].image']],
    ['an executor without command', { executors: [{ image: 'alpine' }] }, ['$.executors[0].command']],
    ['a command that is a string, not argv', { executors: [{ image: 'alpine', command: 'echo hi' }] }, ['$.executors[0].command']],
    ['a relative input path', { ...good, inputs: [{ path: 'data/in.txt', url: 'file:///in.txt' }] }, ['$.inputs[0].path']],
    ['a relative workdir and stdout', { executors: [{ image: 'a', command: ['true'], workdir: 'work', stdout: 'out.log' }] }, ['$.executors[0].workdir', '$.executors[0].stdout']],
    ['an input with both url and content', { ...good, inputs: [{ path: '/in', url: 's3://b/k', content: 'x' }] }, ['$.inputs[0]']],
    ['an input with neither url nor content', { ...good, inputs: [{ path: '/in' }] }, ['$.inputs[0]']],
    ['an output without url', { ...good, outputs: [{ path: '/out' }] }, ['$.outputs[0].url']],
    ['a wildcard output without path_prefix', { ...good, outputs: [{ path: '/out/*.txt', url: 's3://b/out/' }] }, ['$.outputs[0].path_prefix']],
    ['negative resources', { ...good, resources: { ram_gb: -1, disk_gb: -0.5 } }, ['$.resources.ram_gb', '$.resources.disk_gb']],
    ['a fractional or zero cpu count', { ...good, resources: { cpu_cores: 1.5 } }, ['$.resources.cpu_cores']],
    ['a relative volume', { ...good, volumes: ['scratch'] }, ['$.volumes[0]']],
    ['tags and env that are not strings', { executors: [{ image: 'a', command: ['true'], env: { N: 1 } }], tags: { n: 2 } }, ['$.executors[0].env.N', '$.tags.n']],
    ['camelCase field names a strict server would drop', { ...good, resources: { cpuCores: 2 } }, ['$.resources.cpuCores']],
    ['an unknown file type', { ...good, inputs: [{ path: '/in', content: 'x', type: 'FOLDER' }] }, ['$.inputs[0].type']],
    ['two inputs at the same path', { ...good, inputs: [{ path: '/in', content: 'a' }, { path: '/in', content: 'b' }] }, ['$.inputs[1].path']],
    ['a task that is not an object', ['echo'], ['$']],
  ])('%s', async (_name, task, expected) => {
    const error = await refused(task);
    expect(paths(error)).toEqual(expected);
    for (const path of expected) expect(error.message).toContain(path);
  });

  it('lists every problem of a task at once', async () => {
    const error = await refused({
      executors: [{ image: '', command: [] }, { image: 'ok', command: ['true'], stdin: 'rel' }],
      inputs: [{ path: 'rel', url: 'file:///a', content: 'b' }],
      resources: { cpu_cores: -2 },
    });
    expect(paths(error)).toEqual([
      '$.executors[0].image',
      '$.executors[0].command',
      '$.executors[1].stdin',
      '$.inputs[0].path',
      '$.inputs[0]',
      '$.resources.cpu_cores',
    ]);
  });

  it('names the snake_case field a camelCase key meant', () => {
    const [issue] = validateTask({ ...good, resources: { ramGb: 4 } });
    expect(issue?.message).toContain('ram_gb');
  });

  it('accepts a complete valid task', () => {
    expect(
      validateTask({
        name: 'ok',
        inputs: [{ path: '/in/a', url: 'file:///a', type: 'FILE', streamable: false }, { path: '/in/b', content: 'b' }],
        outputs: [{ path: '/out/*.txt', path_prefix: '/out/', url: 's3://b/out/', type: 'FILE' }],
        executors: [{ image: 'a', command: ['sh', '-c', 'true'], workdir: '/w', env: { A: 'b' }, ignore_error: true }],
        resources: { cpu_cores: 2, ram_gb: 0.5, disk_gb: 10, preemptible: true, zones: ['z'], backend_parameters: { vm_size: 's' } },
        volumes: ['/scratch'],
        tags: { run: 'r' },
      }),
    ).toEqual([]);
  });
});

describe('other calls refuse bad arguments without sending anything', () => {
  it.each<[string, (tes: TesClient) => Promise<unknown>, string]>([
    ['an empty task id', (tes) => tes.getTask(''), '$.id'],
    ['an empty id to cancel', (tes) => tes.cancelTask(''), '$.id'],
    ['an unknown view', (tes) => tes.getTask('t1', { view: 'EVERYTHING' as 'FULL' }), '$.view'],
    ['a page size of 2048', (tes) => Promise.resolve().then(() => tes.listTasks({ pageSize: 2048 })), '$.pageSize'],
    ['a state the spec does not have', (tes) => Promise.resolve().then(() => tes.listTasks({ state: 'DONE' as 'COMPLETE' })), '$.state'],
    ['a non-string tag value', (tes) => Promise.resolve().then(() => tes.listTasks({ tags: { a: 1 as unknown as string } })), '$.tags.a'],
    ['a negative wait interval', (tes) => tes.waitForTask('t1', { minInterval: -1 }), '$.minInterval'],
    ['an empty idempotency key', (tes) => tes.createTask(good, { idempotencyKey: '' }), '$.idempotencyKey'],
  ])('%s', async (_name, call, path) => {
    const { tes, fetch } = client();
    const error = await call(tes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(paths(error as ValidationError)).toEqual([path]);
    expect(fetch).not.toHaveBeenCalled();
  });
});
