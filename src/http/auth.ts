/**
 * Authentication schemes and how each one is applied to a request.
 * @module
 */
import type { SecretSet } from '../redact.js';

/** Asked for a bearer token before requests; `refresh` is true after a 401. */
export type TokenProvider = (context: { refresh: boolean; signal?: AbortSignal }) => string | Promise<string>;

/**
 * How requests authenticate.
 *
 * @example
 * ```ts
 * const auth: Auth = { type: 'bearer', token: async ({ refresh }) => getToken({ force: refresh }) };
 * const pulsar: Auth = { type: 'query', name: 'private_token', value: process.env.PULSAR_TOKEN! };
 * ```
 */
export type Auth =
  | { type: 'none' }
  | { type: 'bearer'; token: string | TokenProvider }
  | { type: 'basic'; username: string; password: string }
  /** A secret sent as a query parameter, as Pulsar's `private_token`. */
  | { type: 'query'; name: string; value: string };

/** Applies one auth scheme; keeps the current token and registers every secret. */
export class Authenticator {
  #token: string | undefined;

  constructor(
    readonly auth: Auth,
    private readonly secrets: SecretSet,
  ) {
    if (auth.type === 'bearer' && typeof auth.token === 'string') this.#remember(auth.token);
    if (auth.type === 'basic') {
      secrets.add(auth.password);
      secrets.add(base64(`${auth.username}:${auth.password}`));
    }
    if (auth.type === 'query') secrets.add(auth.value);
  }

  /** True when a 401 can be answered by asking the provider for a new token. */
  get canRefresh(): boolean {
    return this.auth.type === 'bearer' && typeof this.auth.token === 'function';
  }

  /** Adds credentials to the URL and headers of one attempt. */
  async apply(url: URL, headers: Headers, options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    const auth = this.auth;
    switch (auth.type) {
      case 'none':
        return;
      case 'query':
        url.searchParams.set(auth.name, auth.value);
        return;
      case 'basic':
        headers.set('authorization', `Basic ${base64(`${auth.username}:${auth.password}`)}`);
        return;
      case 'bearer': {
        if (typeof auth.token === 'string') {
          headers.set('authorization', `Bearer ${auth.token}`);
          return;
        }
        if (this.#token === undefined || options.refresh) {
          const context: { refresh: boolean; signal?: AbortSignal } = { refresh: options.refresh ?? false };
          if (options.signal) context.signal = options.signal;
          this.#remember(await auth.token(context));
        }
        headers.set('authorization', `Bearer ${this.#token}`);
        return;
      }
    }
  }

  #remember(token: string): void {
    this.#token = token;
    this.secrets.add(token);
  }
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
