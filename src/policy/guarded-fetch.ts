/**
 * `guardedFetch`: a fetch for URLs that clients name, which connects only to
 * addresses the URL policy allows. Every address is checked at connect time
 * (the name is resolved, each address checked, then connected to), and each
 * redirect is followed by hand and checked again. Node-only.
 * @module
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { BlockedAddressError } from '../errors.js';
import type { FetchLike } from '../http/client.js';
import { sendNodeHttp } from '../node/http-fetch.js';
import { describeClass, formatIp, parseIp } from './ip.js';
import type { HostResolver } from './node-environment.js';
import { refusedClass } from './url-policy.js';
import { compileUrlRules, hostAllowed, type CompiledDirection } from './url-rules.js';

/** Options of {@link guardedFetch}. */
export interface GuardedFetchOptions {
  /** Addresses, CIDR ranges and host names that may be reached although not public. */
  allow?: readonly string[];
  /** Resolves host names. @default the system resolver */
  resolver?: HostResolver;
  /** Most redirects followed. @default 5 */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * A fetch (node:http, streamed both ways) that refuses, with a
 * {@link BlockedAddressError}, to connect to a loopback, private,
 * link-local, unique-local or metadata address unless allowed, and follows
 * at most `maxRedirects` redirects to http(s) URLs, checking each.
 * Credentials are dropped when a redirect leaves the origin.
 *
 * @example
 * ```ts
 * import { guardedFetch, LocalSite } from 'pulsar-network/node';
 * const site = new LocalSite({ trusted: true, http: { fetch: guardedFetch({ allow: ['10.20.0.0/16'] }) } });
 * ```
 */
export function guardedFetch(options: GuardedFetchOptions = {}): FetchLike {
  const { inputs } = compileUrlRules({ inputs: { allow: [...(options.allow ?? [])] } }, (p) => p);
  return fetchWithin(inputs, options.resolver, options.maxRedirects ?? 5);
}

/**
 * Asks for `url` as a fetch of its input would, through the same checks,
 * and stops at the answer's headers: a redirect to a refused address is
 * found before the job is accepted. Failures other than a refusal are not
 * the policy's business and give `undefined`.
 */
export async function probeRedirects(url: string, allowed: Pick<CompiledDirection, 'ranges' | 'hosts'>, resolver: HostResolver | undefined, timeoutMs = 5000): Promise<BlockedAddressError | undefined> {
  try {
    const response = await fetchWithin(allowed, resolver, 5)(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel().catch(() => undefined);
    return undefined;
  } catch (error) {
    return error instanceof BlockedAddressError ? error : undefined;
  }
}

function fetchWithin(inputs: Pick<CompiledDirection, 'ranges' | 'hosts'>, resolver: HostResolver | undefined, max: number): FetchLike {
  const check = (host: string, address: string): void => {
    const refused = refusedClass(address, inputs);
    if (refused) throw new BlockedAddressError({ host, rule: 'private-address', reason: `${host === address ? address : `${host} resolves to ${address}`}, ${describeClass(refused)}` });
  };
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const all = (lookupOptions as { all?: boolean }).all === true;
    const answer = (error: NodeJS.ErrnoException | null, found: LookupAddress[]): void => {
      if (error) return callback(error, '', 0);
      try {
        if (!hostAllowed(hostname, inputs.hosts)) for (const a of found) check(hostname, a.address);
      } catch (refusal) {
        return callback(refusal as NodeJS.ErrnoException, '', 0);
      }
      if (found.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if (all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, found);
      else callback(null, (found[0] as LookupAddress).address, (found[0] as LookupAddress).family);
    };
    if (resolver) {
      resolver(hostname).then(
        (addresses) => answer(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))),
        (error: NodeJS.ErrnoException) => answer(error, []),
      );
    } else dnsLookup(hostname, { all: true, verbatim: true }, (error, found) => answer(error, found ?? []));
  };
  return async (input, init = {}) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    let request: RequestInit = { ...init };
    for (let hops = 0; ; hops++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new BlockedAddressError({ host: url.host, rule: 'scheme', reason: `a redirect to a ${url.protocol.slice(0, -1)} URL is not followed` });
      }
      const literal = parseIp(url.hostname);
      if (literal) check(formatIp(literal), formatIp(literal));
      const response = await sendNodeHttp(url, request, { lookup });
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null || init.redirect === 'manual') return response;
      await response.body?.cancel().catch(() => undefined);
      if (init.redirect === 'error' || hops >= max) throw new TypeError(`too many redirects (at most ${max} are followed)`);
      const next = new URL(location, url);
      request = redirected(request, response.status, url.origin !== next.origin);
      url = next;
    }
  };
}

/** The request to send after a redirect: GET without a body after a 303 (or a 301/302 to a POST); credentials dropped across origins. */
function redirected(request: RequestInit, status: number, crossOrigin: boolean): RequestInit {
  const next: RequestInit = { ...request };
  const method = (request.method ?? 'GET').toUpperCase();
  if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
    next.method = method === 'HEAD' ? 'HEAD' : 'GET';
    delete next.body;
  } else if (request.body !== undefined && request.body !== null && typeof request.body !== 'string' && !(request.body instanceof Uint8Array)) {
    throw new TypeError('a streamed request body cannot be sent again after a redirect');
  }
  if (crossOrigin) {
    const headers = new Headers(request.headers);
    for (const name of CREDENTIAL_HEADERS) headers.delete(name);
    next.headers = headers;
  }
  return next;
}
