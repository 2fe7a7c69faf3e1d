// A TES site on the test Funnel, configured the way that works today. Funnel's
// service-info `storage` is a fixed example list (SOURCE.md), not the directories it can
// really read and write, and the TES site takes `storage` from service-info: so its
// client reports the storage Funnel was configured with (`LocalStorage.AllowedDirs`).
// When the TES site gains a configured storage that overrides service-info (issue 14),
// this becomes that option.
import { pathToFileURL } from 'node:url';
import { nodeLocalFiles, SiteRegistry, TesClient, TesSite, type CallOptions, type TesClientOptions, type TesServiceInfo } from '../../src/node.js';
import type { TesServerUnderTest } from './tes-servers.js';

/** A TesClient whose service-info `storage` is what the server really reaches. */
class ConfiguredStorageClient extends TesClient {
  readonly #storage: string[];

  constructor(options: TesClientOptions, storage: string[]) {
    super(options);
    this.#storage = storage;
  }

  override async serviceInfo(options: CallOptions = {}): Promise<TesServiceInfo> {
    return { ...(await super.serviceInfo(options)), storage: this.#storage };
  }
}

function storageOf(server: TesServerUnderTest): string[] {
  return (server.funnel?.allowedDirs ?? [server.scratch]).map((dir) => pathToFileURL(dir).href);
}

/** A TesSite on the server, with local file access. */
export function funnelTesSite(server: TesServerUnderTest, options: { id: string; group?: string }): TesSite {
  return new TesSite({ ...options, client: new ConfiguredStorageClient({ baseUrl: server.url }, storageOf(server)), files: nodeLocalFiles() });
}

/** A registry whose `tes` sites are built like {@link funnelTesSite}, feeding the network's passive health. */
export function funnelSiteRegistry(server: TesServerUnderTest): SiteRegistry {
  return new SiteRegistry().register('tes', ({ description, auth, options }, { onHttpEvent }) => {
    const client = new ConfiguredStorageClient({ baseUrl: description.url ?? server.url, auth, onEvent: onHttpEvent }, storageOf(server));
    const group = typeof options.group === 'string' ? { group: options.group } : {};
    return new TesSite({ id: description.id, client, files: nodeLocalFiles(), ...group });
  });
}
