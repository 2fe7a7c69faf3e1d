/**
 * Cross-checks the reference TES server with py-tes, an independent TES
 * client, so the server is not only checked by our own client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TesClient } from '../../src/index.js';
import { peerScript, runWithPyTes } from '../peers/tes-server/py-tes.js';
import { startTesServer, type TesServer } from '../peers/tes-server/server.js';

let server: TesServer;
let scratch: string;

beforeAll(async () => {
  server = await startTesServer();
  scratch = await mkdtemp(join(tmpdir(), 'tes-py-'));
});

afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

it('py-tes runs tasks on the reference server and sees what the spec says', async () => {
  const seen = JSON.parse(await runWithPyTes(peerScript('py_tes_check.py'), [server.origin, scratch]));
  expect(seen.service_info).toEqual({ name: 'pulsar-network reference TES server', artifact: 'tes', storage: ['file:///'] });
  expect(seen.complete).toMatchObject({
    state: 'COMPLETE',
    stdout: 'ok\n',
    exit_code: 0,
    output_text: '2\n',
    basic_input_content: null,
    full_input_content: 'x\ny\n',
    minimal_name: null,
    minimal_state: 'COMPLETE',
  });
  expect(seen.complete.outputs).toEqual([{ url: `file://${scratch}/py-out.txt`, path: '/data/out.txt', size_bytes: 2 }]);
  expect(seen.exit3).toEqual({ state: 'EXECUTOR_ERROR', exit_code: 3 });
  // py-tes's wait() may return while the task is still CANCELING (the server is killing its
  // process): it counts CANCELING as done. The server then reaches CANCELED.
  expect(['CANCELING', 'CANCELED']).toContain(seen.cancel.wait_returned);
  expect(seen.cancel.final).toBe('CANCELED');
  expect(seen.missing_status).toBe(404);

  // py-tes walked the pages one task at a time; our client sees the same tasks in the same order.
  const pages: string[][] = seen.pages;
  expect(pages.every((p) => p.length === 1)).toBe(true);
  const ours = await new TesClient({ baseUrl: server.url }).listTasks().toArray();
  expect(pages.flat()).toEqual(ours.map((t) => t.id));
  expect(pages.flat()).toHaveLength(3);

  expect(server.rejected).toEqual([]);
  expect(server.violations).toEqual([]);
});
