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
 * const auth: Auth = { type: 'bearer', token: async ({ refresh }) => (refresh ? 'fresh-token' : 'cached-token') };
 * const pulsar: Auth = { type: 'query', name: 'private_token', value: process.env.PULSAR_TOKEN! };
 * const rotated: Auth = { type: 'query', name: 'private_token', value: async () => (await fetch('https://vault.example.org/pulsar-token')).text() };
 * ```
 */
export type Auth =
  | {
      /** No credentials. */
      type: 'none';
    }
  | {
      /** `Authorization: Bearer <token>`. */
      type: 'bearer';
      /** The token, or a provider asked before the first request and once more after a 401. */
      token: string | TokenProvider;
    }
  | {
      /** `Authorization: Basic <base64(username:password)>`. */
      type: 'basic';
      /** The user name. */
      username: string;
      /** The password. */
      password: string;
    }
  | {
      /** A secret sent as a query parameter, as Pulsar's `private_token`. */
      type: 'query';
      /** The parameter name, e.g. `private_token`. */
      name: string;
      /** The secret value, or a provider asked before the first request and once more after a 401. */
      value: string | TokenProvider;
    };

/** Options of {@link Authenticator.apply}. */
export interface ApplyOptions {
  /**
   * Set after a 401: `stale` is the token that request sent. The provider is
   * asked again unless another request already replaced that token.
   */
  refresh?: { stale: string | undefined };
  signal?: AbortSignal;
}

/**
 * Applies one auth scheme; keeps the current token and registers every secret.
 * Concurrent requests share one call of the token provider, both for the
 * first token and for the refresh after a 401.
 */
export class Authenticator {
  #token: string | undefined;
  #pending: Promise<string> | undefined;

  constructor(
    readonly auth: Auth,
    private readonly secrets: SecretSet,
  ) {
    if (auth.type === 'bearer' && typeof auth.token === 'string') this.#remember(auth.token);
    if (auth.type === 'basic') {
      secrets.add(auth.password);
      secrets.add(base64(`${auth.username}:${auth.password}`));
    }
    if (auth.type === 'query' && typeof auth.value === 'string') this.#remember(auth.value);
  }

  /** True when a 401 can be answered by asking the provider for a new token. */
  get canRefresh(): boolean {
    const auth = this.auth;
    return (auth.type === 'bearer' && typeof auth.token === 'function') || (auth.type === 'query' && typeof auth.value === 'function');
  }

  /** Adds credentials to the URL and headers of one attempt; returns the bearer token used, if any. */
  async apply(url: URL, headers: Headers, options: ApplyOptions = {}): Promise<string | undefined> {
    const auth = this.auth;
    switch (auth.type) {
      case 'none':
        return undefined;
      case 'query': {
        const value = typeof auth.value === 'string' ? auth.value : await this.#provided(auth.value, options);
        url.searchParams.set(auth.name, value);
        return value;
      }
      case 'basic':
        headers.set('authorization', `Basic ${base64(`${auth.username}:${auth.password}`)}`);
        return undefined;
      case 'bearer': {
        const token = typeof auth.token === 'string' ? auth.token : await this.#provided(auth.token, options);
        headers.set('authorization', `Bearer ${token}`);
        return token;
      }
    }
  }

  async #provided(provider: TokenProvider, options: ApplyOptions): Promise<string> {
    const refresh = options.refresh !== undefined && options.refresh.stale === this.#token;
    if (this.#token !== undefined && !refresh && this.#pending === undefined) return this.#token;
    if (this.#pending === undefined) {
      const context: { refresh: boolean; signal?: AbortSignal } = { refresh };
      if (options.signal) context.signal = options.signal;
      this.#pending = Promise.resolve()
        .then(() => provider(context))
        .then((token) => {
          this.#remember(token);
          return token;
        })
        .finally(() => {
          this.#pending = undefined;
        });
    }
    return this.#pending;
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
