import { describe, expect, it } from 'vitest';
import { HttpClient, Network, SiteRegistry, type Site } from '../../src/index.js';
import { failedProbe } from '../../src/internal.js';

/** A fetch that answers /healthz from a script of statuses. */
function scriptedFetch(statuses: number[]) {
  const seen: string[] = [];
  const fetch = async (input: URL | Request | string): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    seen.push(url);
    const status = statuses.shift() ?? 200;
    if (status === 0) throw new TypeError('fetch failed');
    return new Response(status === 200 ? JSON.stringify({ version: '0.15.16' }) : 'down', { status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, seen };
}

describe('passive health through the site factory seam', () => {
  it('feeds every HttpClient attempt of a site into its health, and probes merge the version', async () => {
    const { fetch, seen } = scriptedFetch([200, 503, 0, 200, 503]);
    const registry = new SiteRegistry().register('pulsar-rest', ({ description, auth }, { onHttpEvent }): Site => {
      const http = new HttpClient({ baseUrl: description.url ?? '', auth, fetch, retry: false, onEvent: onHttpEvent });
      return {
        id: description.id,
        kind: description.kind,
        async probe() {
          const started = Date.now();
          try {
            const body = await http.json<{ version?: string }>({ path: 'healthz' });
            const probe = { ok: true, latencyMs: Date.now() - started };
            return body.version === undefined ? probe : { ...probe, version: body.version };
          } catch (error) {
            return failedProbe(error, Date.now() - started);
          }
        },
        submit: async () => ({ remoteId: 'unused' }),
        poll: async () => new Map(),
        cancel: async () => undefined,
        collect: async () => ({ state: 'complete', executors: [], outputs: [], systemLogs: [] }),
        attach: async (remoteId) => ({ remoteId, state: 'unknown', siteState: '' }),
      };
    });
    const network = await Network.create(
      { sites: [{ id: 'eu', kind: 'pulsar-rest', url: 'https://eu.example.org/', auth: { type: 'query', valueEnv: 'EU_TOKEN' } }] },
      { registry, env: { EU_TOKEN: 'tok-123' }, probes: false },
    );
    const probes = [];
    for (let i = 0; i < 5; i++) probes.push((await network.probe('eu')).get('eu'));
    expect(probes.map((p) => p?.ok)).toEqual([true, false, false, true, false]);
    expect(probes[1]?.error).not.toContain('tok-123');
    const [view] = network.sites();
    expect(view?.site.version).toBe('0.15.16');
    // five HTTP attempts (2 answered 200, 2 answered 503, 1 network failure) and five probe outcomes, 3 of each failed
    expect(view?.live.errorRate).toBe(0.6);
    expect(view?.live.recentFailures).toBe(2); // the 503 then its probe
    // the last probe was answered with a 503: the site is refusing until it answers well again
    expect(view?.live.health).toBe('refusing');
    expect(seen[0]).toBe('https://eu.example.org/healthz?private_token=tok-123');
  });
});
