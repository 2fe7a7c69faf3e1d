/**
 * The site factory registry: how a configured site of some kind becomes a
 * {@link Site} object. Adapters (TES, Pulsar REST, Pulsar AMQP, local) are
 * plugged in by kind.
 * @module
 */
import type { HttpEventListener } from '../http/events.js';
import type { Site, SiteKind } from '../sites/site.js';
import type { ResolvedSite } from './config.js';

/** What a factory receives besides the site's configuration. */
export interface SiteFactoryContext {
  /** Pass this as the `onEvent` of the site's HttpClient: it feeds passive health. */
  onHttpEvent: HttpEventListener;
}

/** Builds a site from its validated configuration (`auth` is already resolved). */
export type SiteFactory = (config: ResolvedSite, context: SiteFactoryContext) => Site | Promise<Site>;

/**
 * Factories by site kind.
 *
 * @example
 * ```ts
 * const registry = new SiteRegistry()
 *   .register('tes', ({ description, auth }, { onHttpEvent }) =>
 *     new TesSite({ id: description.id, client: new TesClient({ baseUrl: description.url!, auth, onEvent: onHttpEvent }) }));
 * const mine = await Network.create(config, { registry });
 * ```
 */
export class SiteRegistry {
  readonly #factories = new Map<SiteKind, SiteFactory>();

  /** Registers (or replaces) the factory of a kind; returns the registry for chaining. */
  register(kind: SiteKind, factory: SiteFactory): this {
    this.#factories.set(kind, factory);
    return this;
  }

  /** True when a factory is registered for the kind. */
  has(kind: SiteKind): boolean {
    return this.#factories.has(kind);
  }

  /** The kinds with a factory. */
  kinds(): SiteKind[] {
    return [...this.#factories.keys()];
  }

  /** Builds the site; throws `RangeError` for a kind without a factory (the network checks this first). */
  async create(config: ResolvedSite, context: SiteFactoryContext): Promise<Site> {
    const factory = this.#factories.get(config.description.kind);
    if (!factory) throw new RangeError(`no site factory registered for kind "${config.description.kind}"`);
    return factory(config, context);
  }
}
