/**
 * TesClient with answers shaped as Funnel sends them (recorded from Funnel 0.12.0+b427ea1,
 * see test/integration/tes-funnel.test.ts for the live server): more fields than the view
 * promises, a tag-filtered MINIMAL list in BASIC, an empty page after the last full one,
 * cancel's 200 with a `message`. The client holds each answer to the view asked for.
 */
import { describe, expect, it, vi } from 'vitest';
import { TesClient } from '../../src/index.js';

/** Funnel's MINIMAL task: every field, empty. */
const minimalAnswer = { creation_time: '', description: '', executors: [], id: 't2', inputs: [], logs: [], name: '', outputs: [], resources: null, state: 'COMPLETE', tags: {}, volumes: [] };

/** Funnel's BASIC task: `content`, `stdout`, `stderr` and `system_logs` present, empty. */
const basicAnswer = {
  creation_time: '2026-12-06T04:22:26.00766515Z',
  description: '',
  executors: [{ command: ['sh', '-c', 'echo out'], env: {}, ignore_error: false, image: 'alpine', stderr: '', stdin: '', stdout: '', workdir: '' }],
  id: 't1',
  inputs: [{ content: '', description: '', name: '', path: '/data/in.txt', streamable: false, type: 'FILE', url: '' }],
  logs: [
    {
      end_time: '2026-12-06T04:22:26.202145614Z',
      logs: [{ end_time: '2026-12-06T04:22:26.199780246Z', exit_code: 0, start_time: '2026-12-06T04:22:26.014087394Z', stderr: '', stdout: '' }],
      metadata: { hostname: 'vm' },
      outputs: [],
      start_time: '2026-12-06T04:22:26.01176552Z',
      system_logs: [],
    },
  ],
  name: 'try',
  outputs: [],
  resources: null,
  state: 'COMPLETE',
  tags: { batch: 'b' },
  volumes: [],
};

function client(answer: (url: URL) => unknown) {
  const fetch = vi.fn(async (input: Request | URL | string) => Response.json(answer(new URL(input instanceof Request ? input.url : String(input)))));
  return { tes: new TesClient({ baseUrl: 'http://funnel.invalid/ga4gh/tes/v1', fetch }), fetch };
}

describe('answers with more than the view promises', () => {
  it('a MINIMAL task with every field, empty, is returned as id and state', async () => {
    const { tes } = client(() => minimalAnswer);
    expect(await tes.getTask('t2')).toEqual({ id: 't2', state: 'COMPLETE' });
  });

  it('a BASIC task loses input content, executor stdout/stderr and system_logs, and keeps the rest', async () => {
    const { tes } = client(() => basicAnswer);
    const basic = await tes.getTask('t1', { view: 'BASIC' });
    expect(basic.inputs).toEqual([{ description: '', name: '', path: '/data/in.txt', streamable: false, type: 'FILE', url: '' }]);
    expect(basic.logs).toEqual([
      {
        end_time: '2026-12-06T04:22:26.202145614Z',
        logs: [{ end_time: '2026-12-06T04:22:26.199780246Z', exit_code: 0, start_time: '2026-12-06T04:22:26.014087394Z' }],
        metadata: { hostname: 'vm' },
        outputs: [],
        start_time: '2026-12-06T04:22:26.01176552Z',
      },
    ]);
    expect(basic).toMatchObject({ id: 't1', name: 'try', tags: { batch: 'b' }, executors: basicAnswer.executors });
  });

  it('FULL is returned as sent', async () => {
    const { tes } = client(() => basicAnswer);
    expect(await tes.getTask('t1', { view: 'FULL' })).toEqual(basicAnswer);
  });

  it('a tag-filtered list answered in BASIC when MINIMAL was asked is held to MINIMAL', async () => {
    const { tes, fetch } = client(() => ({ next_page_token: '', tasks: [basicAnswer] }));
    expect((await tes.listTasks({ tags: { batch: 'b' } })).tasks).toEqual([{ id: 't1', state: 'COMPLETE' }]);
    expect(String((fetch.mock.calls[0] as unknown[])[0])).toContain('view=MINIMAL');
  });
});

describe('an empty page after the last full one', () => {
  it('ends the iteration without being yielded, after one more request', async () => {
    const pages: Record<string, unknown> = {
      '': { tasks: [minimalAnswer, { ...minimalAnswer, id: 't1' }], next_page_token: 't1' },
      t1: { tasks: [{ ...minimalAnswer, id: 't0' }], next_page_token: 't0' },
      t0: { tasks: [], next_page_token: '' },
    };
    const { tes, fetch } = client((url) => pages[url.searchParams.get('page_token') ?? '']);
    const seen: string[][] = [];
    for await (const page of tes.listTasks({ pageSize: 2 }).pages()) seen.push(page.tasks.map((t) => t.id));
    expect(seen).toEqual([['t2', 't1'], ['t0']]);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect((await tes.listTasks({ pageSize: 2 }).toArray()).map((t) => t.id)).toEqual(['t2', 't1', 't0']);
  });

  it('still yields an empty first page, and an empty page that names a next one', async () => {
    const { tes: empty } = client(() => ({ tasks: [], next_page_token: '' }));
    expect(await empty.listTasks().pages().next()).toEqual({ done: false, value: { tasks: [] } });
    const pages: Record<string, unknown> = { '': { tasks: [], next_page_token: 'a' }, a: { tasks: [], next_page_token: 'b' }, b: { tasks: [minimalAnswer] } };
    const { tes } = client((url) => pages[url.searchParams.get('page_token') ?? '']);
    const seen: number[] = [];
    for await (const page of tes.listTasks().pages()) seen.push(page.tasks.length);
    expect(seen).toEqual([0, 0, 1]);
  });
});

describe("cancel's 200 with a message", () => {
  it('resolves', async () => {
    const { tes } = client(() => ({ message: 'Task is already in COMPLETE state, no action needed' }));
    await expect(tes.cancelTask('t1')).resolves.toBeUndefined();
  });
});
