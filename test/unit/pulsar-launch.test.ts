// submitOnce: what happens after each way a submit can fail, with an injected
// fetch (the real server's cases, a lost answer after the launch and a 502
// before it, are in test/integration/pulsar-faults.test.ts).
import { describe, expect, it } from 'vitest';
import { AbortError, ConnectionError, HttpError, mayHaveLaunched, PulsarClient, ServerError, submitOnce } from '../../src/internal.js';
import { afterFailedSubmit } from '../../src/pulsar/launch.js';

type Answer = Response | Error | ((signal: AbortSignal | undefined) => Promise<Response>);

/** A Pulsar whose every route answers from its own queue; records `METHOD route` of each call. */
function pulsar(answers: Record<string, Answer[]>) {
  const calls: string[] = [];
  const fetch = async (input: URL | Request | string, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const route = `${init?.method ?? 'GET'} ${url.pathname.replace(/^\/jobs\/[^/]+/, '/jobs/{id}')}`;
    calls.push(route);
    const answer = answers[route]?.shift();
    if (answer === undefined) throw new Error(`unexpected ${route}`);
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer(init?.signal ?? undefined) : answer;
  };
  return { client: new PulsarClient({ url: 'http://pulsar.test/', fetch, retry: false }), calls };
}
const status = (value: string): Response => new Response(JSON.stringify({ complete: 'false', status: value, job_id: 'j' }));
const ok = (): Response => new Response('OK');
/** What undici throws when the connection breaks after the request went out. */
const reset = (): Error => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });

describe('submitOnce', () => {
  it('takes a lost answer for a launch when the status is past preprocessing, and submits once', async () => {
    const { client, calls } = pulsar({ 'POST /jobs/{id}/submit': [reset()], 'GET /jobs/{id}/status': [status('running')] });
    await submitOnce(client, 'j', { commandLine: 'true', settleMs: 50 });
    expect(calls).toEqual(['POST /jobs/{id}/submit', 'GET /jobs/{id}/status']);
  });

  it('submits again once the job has stayed preprocessing for settleMs, and not before', async () => {
    const { client, calls } = pulsar({
      'POST /jobs/{id}/submit': [new Response('bad gateway', { status: 502 }), ok()],
      'GET /jobs/{id}/status': [status('preprocessing'), status('preprocessing'), status('preprocessing'), status('preprocessing'), status('preprocessing')],
    });
    const started = Date.now();
    await submitOnce(client, 'j', { commandLine: 'true', settleMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(calls.filter((c) => c.startsWith('POST'))).toHaveLength(2);
    expect(calls.at(-1)).toBe('POST /jobs/{id}/submit');
  });

  it('gives up after maxSubmits with the last error when Pulsar keeps failing the submit before launching', async () => {
    const failing = (): Response => new Response('<html>500</html>', { status: 500 });
    const { client, calls } = pulsar({ 'POST /jobs/{id}/submit': [failing(), failing()], 'GET /jobs/{id}/status': [status('preprocessing'), status('preprocessing')] });
    const error = await submitOnce(client, 'j', { commandLine: 'true', settleMs: 0, maxSubmits: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(calls.filter((c) => c.startsWith('POST'))).toHaveLength(2);
  });

  it('throws the submit error, asking nothing, when the submit was refused (4xx) or never sent', async () => {
    for (const answer of [new Response('no', { status: 403 }), Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })]) {
      const { client, calls } = pulsar({ 'POST /jobs/{id}/submit': [answer] });
      const error = await submitOnce(client, 'j', { commandLine: 'true' }).catch((e: unknown) => e);
      expect(mayHaveLaunched(error)).toBe(false);
      expect(calls).toEqual(['POST /jobs/{id}/submit']);
    }
  });

  it('throws the submit error when the status cannot tell (the job may run: never clean it on that ground)', async () => {
    const { client } = pulsar({ 'POST /jobs/{id}/submit': [reset()], 'GET /jobs/{id}/status': [reset()] });
    const error = await submitOnce(client, 'j', { commandLine: 'true' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(mayHaveLaunched(error)).toBe(true);
  });

  it('a 5xx whose launch the status cannot tell becomes an error that says the job may run', async () => {
    const { client } = pulsar({ 'POST /jobs/{id}/submit': [new Response('bad gateway', { status: 502 })], 'GET /jobs/{id}/status': [new Response('{"job_id": "j", "compl')] });
    const error = await submitOnce(client, 'j', { commandLine: 'true' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ mayHaveBeenSent: true, cause: expect.any(HttpError) });
  });

  it('an abort rejects at once with AbortError, without asking the status', async () => {
    const controller = new AbortController();
    const hang = (signal: AbortSignal | undefined): Promise<Response> =>
      new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }));
    const { client, calls } = pulsar({ 'POST /jobs/{id}/submit': [hang] });
    const pending = submitOnce(client, 'j', { commandLine: 'true', signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(calls).toEqual(['POST /jobs/{id}/submit']);
  });
});

describe('afterFailedSubmit', () => {
  it('removes a job never launched, cancels an aborted one that may run, and leaves any other alone', async () => {
    const cases: Array<[unknown, boolean, string[]]> = [
      [new Error('upload failed'), false, ['DELETE /jobs/{id}']],
      [new HttpError({ status: 403, method: 'POST', url: 'x' }), true, ['DELETE /jobs/{id}']],
      [new AbortError('submit'), true, ['PUT /jobs/{id}/cancel']],
      [new ConnectionError({ method: 'POST', url: 'x', mayHaveBeenSent: true, reason: 'reset' }), true, []],
    ];
    for (const [error, submitted, expected] of cases) {
      const { client, calls } = pulsar({ 'DELETE /jobs/{id}': [ok()], 'PUT /jobs/{id}/cancel': [ok()] });
      await afterFailedSubmit(client, 'j', error, { submitted });
      expect(calls).toEqual(expected);
    }
  });
});
