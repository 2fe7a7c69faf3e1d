// A TES site on the test Funnel. Funnel's service-info `storage` is a fixed example list
// (SOURCE.md), not the directories it can really read and write: the site is told what it
// reaches (`LocalStorage.AllowedDirs`) with its `storages` option, and the service-info
// list, a hint, is ignored (issue 14).
import { pathToFileURL } from 'node:url';
import { nodeLocalFiles, SiteRegistry, TesSite, tesSiteFactory } from '../../src/internal.js';
import type { TesServerUnderTest } from './tes-servers.js';

/** The storage the server really reaches, as `file://` prefixes. */
export function storageOf(server: TesServerUnderTest): string[] {
  return (server.funnel?.allowedDirs ?? [server.scratch]).map((dir) => pathToFileURL(dir).href);
}

/** A TesSite on the server, with local file access. */
export function funnelTesSite(server: TesServerUnderTest, options: { id: string; group?: string }): TesSite {
  return new TesSite({ ...options, client: { baseUrl: server.url }, files: nodeLocalFiles(), storages: storageOf(server), serviceInfoStorage: false });
}

/** A registry whose `tes` sites are built by `tesSiteFactory` with the storage the server reaches (as the option `storage`). */
export function funnelSiteRegistry(server: TesServerUnderTest): SiteRegistry {
  const factory = tesSiteFactory(nodeLocalFiles());
  return new SiteRegistry().register('tes', (config, context) =>
    factory({ ...config, options: { ...config.options, storage: storageOf(server), serviceInfoStorage: false } }, context),
  );
}
