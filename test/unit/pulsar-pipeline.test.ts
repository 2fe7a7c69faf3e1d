// The Pulsar pipeline's steps on their own, with a stand-in client: the cap on
// transfers at once, the order of what comes back, failures that stop (uploads)
// or do not (downloads), and what an abort takes back. The real server's cases
// are in the pulsar-site, pulsar-staging, pulsar-check and pulsar-abort
// integration tests, which run both front ends through these steps.
import { describe, expect, it } from 'vitest';
import { AbortError, bytesSource, cleanupDue, fetchFiles, launchJob, PulsarClient, sendFiles, transferConcurrency, type PulsarUploadResult } from '../../src/internal.js';
import { pulsarJobConfig } from '../contract/pulsar-openapi.js';

/** A client whose uploads take `ms` each; records how many run at once. */
function slowClient(cap: number, ms: number, fail?: string) {
  let running = 0;
  const seen = { most: 0, started: [] as string[] };
  const client = {
    http: { maxConcurrency: cap },
    uploadFrom: async (_jobId: string, name: string): Promise<PulsarUploadResult> => {
      seen.started.push(name);
      running++;
      seen.most = Math.max(seen.most, running);
      await new Promise((resolve) => setTimeout(resolve, name === fail ? 1 : ms));
      running--;
      if (name === fail) throw new Error(`upload of ${name} refused`);
      return { path: `/staging/j/inputs/${name}`, size: name.length, sha256: name, attempts: 1 } as unknown as PulsarUploadResult;
    },
  } as unknown as PulsarClient;
  return { client, seen };
}

const files = (n: number) => Array.from({ length: n }, (_, k) => ({ name: `f${k}`, type: 'input' as const, source: () => bytesSource(new Uint8Array(1), `f${k}`) }));

describe('sendFiles', () => {
  it('runs at most the client cap at once (at most 8) and answers in the order given', async () => {
    const { client, seen } = slowClient(3, 5);
    const sentAt: number[] = [];
    const sent = await sendFiles(client, 'j', files(20), { onSent: (_, k) => sentAt.push(k) });
    expect(seen.most).toBe(3);
    expect(sent.map((s) => s.path)).toEqual(Array.from({ length: 20 }, (_, k) => `/staging/j/inputs/f${k}`));
    expect(sentAt.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(transferConcurrency({ http: { maxConcurrency: Infinity } } as unknown as PulsarClient)).toBe(8);
  });

  it('stops at the first failure: nothing more starts, and the failure is thrown', async () => {
    const { client, seen } = slowClient(2, 20, 'f1');
    await expect(sendFiles(client, 'j', files(10))).rejects.toThrow('upload of f1 refused');
    expect(seen.started).toEqual(['f0', 'f1']);
  });
});

describe('fetchFiles', () => {
  const client = { http: { maxConcurrency: 4 } } as unknown as PulsarClient;

  it('records a failure without stopping the other files', async () => {
    const outcomes = await fetchFiles(client, ['a', 'bad', 'c'], async (name) => (name === 'bad' ? Promise.reject(new Error('gone')) : `${name}!`), { undo: async () => undefined });
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'a!' },
      { status: 'rejected', reason: new Error('gone') },
      { status: 'fulfilled', value: 'c!' },
    ]);
  });

  it('on an abort, takes back every file it delivered and throws the abort', async () => {
    const abort = new AbortController();
    const undone: string[] = [];
    const fetch = async (name: string, signal: AbortSignal): Promise<string> => {
      if (name !== 'slow') return name;
      setTimeout(() => abort.abort(), 5);
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new AbortError('fetching slow'))));
      return name;
    };
    await expect(fetchFiles(client, ['a', 'b', 'slow'], fetch, { signal: abort.signal, undo: async (name) => void undone.push(name) })).rejects.toBeInstanceOf(AbortError);
    expect(undone.sort()).toEqual(['a', 'b']);
  });
});

describe('launchJob', () => {
  it('a staging failure removes the never-launched job and is thrown; nothing is submitted', async () => {
    const calls: string[] = [];
    const fetch = async (input: URL | Request | string, init?: RequestInit): Promise<Response> => {
      const url = new URL(String(input));
      calls.push(`${init?.method ?? 'GET'} ${url.pathname}`);
      if (url.pathname === '/jobs') return new Response(JSON.stringify(pulsarJobConfig('j1', '/s/j1')));
      return new Response('OK');
    };
    const client = new PulsarClient({ url: 'http://pulsar.test/', fetch, retry: false });
    const stage = async () => Promise.reject(new Error('an input could not be read'));
    await expect(launchJob(client, 'j1', { stage })).rejects.toThrow('an input could not be read');
    expect(calls).toEqual(['POST /jobs', 'DELETE /jobs/j1']);
  });
});

describe('cleanupDue', () => {
  it('always removes, never keeps, onsuccess removes only what ended well', () => {
    expect([cleanupDue('always', false), cleanupDue('never', true), cleanupDue('onsuccess', true), cleanupDue('onsuccess', false)]).toEqual([true, false, true, false]);
  });
});
