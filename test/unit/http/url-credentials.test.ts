import { describe, expect, it } from 'vitest';
import { ConnectionError, HttpClient, TesClient } from '../../../src/index.js';

describe('credentials written into a base URL', () => {
  it('travel as basic auth and leave the URL, so fetch never sees (nor quotes) them', async () => {
    const seen: Array<{ url: string; authorization: string | null }> = [];
    const fetch = async (input: URL | Request | string, init?: RequestInit): Promise<Response> => {
      seen.push({ url: String(input instanceof Request ? input.url : input), authorization: new Headers(init?.headers ?? (input as Request).headers).get('authorization') });
      return Response.json({ ok: true });
    };
    const http = new HttpClient({ baseUrl: 'http://ada:s%3Acret-pw@tes.example/ga4gh/tes/v1', fetch });
    expect(http.baseUrl.href).toBe('http://tes.example/ga4gh/tes/v1/');
    await http.json({ path: 'service-info' });
    expect(seen[0]).toEqual({ url: 'http://tes.example/ga4gh/tes/v1/service-info', authorization: `Basic ${Buffer.from('ada:s:cret-pw').toString('base64')}` });
    // auth given: it wins, and the URL's credentials still go
    const bearer = new HttpClient({ baseUrl: 'http://ada:other-pw@tes.example/', auth: { type: 'bearer', token: 'tok-0123456789' }, fetch });
    await bearer.json({ path: 'x' });
    expect(seen[1]).toEqual({ url: 'http://tes.example/x', authorization: 'Bearer tok-0123456789' });
    expect(bearer.scrub('other-pw')).toBe('[REDACTED]');
  });

  it('a TES client at such a URL fails with a scrubbed ConnectionError, not fetch’s TypeError quoting the URL', async () => {
    const tes = new TesClient({ baseUrl: 'http://someone:PLANTED-pw@127.0.0.1:1/ga4gh/tes/v1', retry: false });
    const error = await tes.serviceInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(JSON.stringify((error as ConnectionError).toJSON())).not.toContain('PLANTED');
    expect(String((error as Error).stack)).not.toContain('PLANTED');
  });
});
