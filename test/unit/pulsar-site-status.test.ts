// PulsarRestSite's polls, with an injected fetch: the exit codes are read
// once, when a poll first sees the job end, and collect reuses that poll's
// answer; a job whose status request fails is left out of the poll, and the
// poll fails only when every request did.
import { describe, expect, it } from 'vitest';
import { ConnectionError, type JobSpec } from '../../src/index.js';
import { PulsarRestSite } from '../../src/sites-entry.js';
import { pulsarFinalStatus } from '../contract/pulsar-openapi.js';

const SPEC: JobSpec = { executors: [{ image: 'none', command: ['true'] }] };

const finished = (id: string): Response =>
  new Response(JSON.stringify(pulsarFinalStatus(id, `/srv/${id}`, { working: ['exit-codes', 'finished', 'pulsar-network-job.json', 'logs/0.stdout', 'logs/0.stderr'] })));

/** A server whose jobs `done` have ended and whose jobs `down` cannot be reached; records each request. */
function server(done: Set<string>, down: Set<string>) {
  const calls: string[] = [];
  const fetch = async (input: URL | Request | string): Promise<Response> => {
    const url = new URL(String(input));
    const id = url.pathname.split('/')[2] ?? '';
    const name = url.searchParams.get('name');
    calls.push(`${url.pathname.replace(id, '{id}')}${name ? ` ${name}` : ''}`);
    if (down.has(id)) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    if (url.pathname.endsWith('/status')) return done.has(id) ? finished(id) : new Response(JSON.stringify({ job_id: id, complete: 'false', status: 'running' }));
    if (name === 'exit-codes') return new Response('0\n');
    if (name === 'pulsar-network-job.json') return new Response(JSON.stringify(SPEC));
    return new Response(`${name} text\n`);
  };
  const site = new PulsarRestSite({ client: { url: 'http://pulsar.test/', fetch, retry: false }, allowNoContainer: true });
  return { site, calls };
}

describe('PulsarRestSite polls', () => {
  it('reads the exit codes once, at the end, and collects from the poll that saw it', async () => {
    const { site, calls } = server(new Set(['a']), new Set());
    for (let i = 0; i < 3; i++) expect((await site.poll(['a'])).get('a')).toMatchObject({ state: 'complete', exitCodes: [0] });
    const outcome = await site.collect('a', SPEC);
    expect(outcome).toMatchObject({ state: 'complete', executors: [{ exitCode: 0, stdout: 'logs/0.stdout text\n', stderr: 'logs/0.stderr text\n' }] });
    expect(calls.filter((c) => c.endsWith('exit-codes'))).toHaveLength(1);
    expect(calls.filter((c) => c.endsWith('/status'))).toHaveLength(1);
  });

  it('leaves out a job it cannot reach, and fails only when it reaches none', async () => {
    const { site } = server(new Set(), new Set(['b']));
    const some = await site.poll(['a', 'b']);
    expect([...some.keys()]).toEqual(['a']);
    await expect(site.poll(['b'])).rejects.toBeInstanceOf(ConnectionError);
  });
});
