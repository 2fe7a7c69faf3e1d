import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeLocalFiles, TesSite } from '../../src/node.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tes-reported-'));
  await writeFile(join(dir, 'out.txt'), 'delivered\n');
  await writeFile(join(dir, 'host-secret.txt'), 'not yours\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('outputs a TES server reports', () => {
  it('are read on this host only where the task sent its outputs; a report naming any other local file is a problem, and that file is not read', async () => {
    const full = {
      id: 't1',
      state: 'COMPLETE',
      executors: [{ image: 'alpine', command: ['true'] }],
      outputs: [{ path: '/out/out.txt', url: `file://${dir}/out.txt` }],
      logs: [{ logs: [{ exit_code: 0 }], outputs: [{ path: '/out/out.txt', url: `file://${dir}/out.txt`, size_bytes: '10' }, { path: '/out/extra', url: `file://${dir}/host-secret.txt`, size_bytes: '10' }], system_logs: [] }],
    };
    const site = new TesSite({ client: { baseUrl: 'http://tes.invalid/ga4gh/tes/v1', retry: false, fetch: async () => Response.json(full) }, files: nodeLocalFiles() });
    const outcome = await site.collect('t1', { executors: [{ image: 'alpine', command: ['true'] }], outputs: [{ path: '/out/out.txt', url: `file://${dir}/out.txt` }] });
    expect(outcome.outputs).toEqual([{ path: '/out/out.txt', url: `file://${dir}/out.txt`, sizeBytes: 10, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(outcome.state).toBe('system_error');
    expect(outcome.systemLogs).toEqual([`output /out/extra: the server reports it at ${dir}/host-secret.txt, which is not where the task's outputs go; it is not read`]);
  });
});
