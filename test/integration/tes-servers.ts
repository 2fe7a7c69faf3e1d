// The TES servers the TES integration tests run against, side by side: the reference
// server (test/peers/tes-server) and a real Funnel (test/peers/funnel.ts). Tests of
// behaviour that is the server's run on both; tests that need the reference server's
// knobs (fault injection, request counts, OpenAPI checks) stay on it alone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFunnel, type FunnelServer } from '../peers/funnel.js';
import { startTesServer, type TesServer } from '../peers/tes-server/server.js';

/** Waiting for `npm run peers`' background Funnel build may take this long (the hook's timeout). */
export const FUNNEL_START_TIMEOUT_MS = 32 * 60_000;

/** A TES server under test, as the parametrized tests see it. */
export interface TesServerUnderTest {
  readonly name: 'reference' | 'funnel';
  /** The TES base URL (`…/ga4gh/tes/v1`). */
  readonly url: string;
  /** The origin (what py-tes takes). */
  readonly origin: string;
  /** A local directory the server may read inputs from and write outputs to (file:// URLs). */
  readonly scratch: string;
  /** What its service-info says (`type.version` and `storage`). */
  readonly serviceInfo: { readonly version: string; readonly storage: readonly string[] };
  /** The reference server, for its knobs; undefined on Funnel. */
  readonly reference?: TesServer;
  /** Funnel, for its version, log and executor processes; undefined on the reference server. */
  readonly funnel?: FunnelServer;
  stop(): Promise<void>;
}

/** Service-info `storage` of Funnel: a fixed example list, whatever it can reach (SOURCE.md). */
export const FUNNEL_EXAMPLE_STORAGE = ['file:///path/to/local/funnel-storage', 's3://ohsu-compbio-funnel/storage'];

export async function startReferenceUnderTest(): Promise<TesServerUnderTest> {
  const scratch = await mkdtemp(join(tmpdir(), 'tes-it-'));
  const server = await startTesServer();
  return {
    name: 'reference',
    url: server.url,
    origin: server.origin,
    scratch,
    serviceInfo: { version: '1.1.0', storage: ['file:///'] },
    reference: server,
    async stop() {
      await server.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

export async function startFunnelUnderTest(): Promise<TesServerUnderTest> {
  const scratch = await mkdtemp(join(tmpdir(), 'tes-it-funnel-'));
  const funnel = await startFunnel({ allowedDirs: [scratch] }).catch(async (error: unknown) => {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  });
  return {
    name: 'funnel',
    url: funnel.url,
    origin: funnel.origin,
    scratch,
    serviceInfo: { version: funnel.version, storage: FUNNEL_EXAMPLE_STORAGE },
    funnel,
    async stop() {
      await funnel.stop();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** Both servers, for `describe.each`. */
export const TES_SERVERS = [
  { name: 'the reference TES server', start: startReferenceUnderTest },
  { name: 'Funnel', start: startFunnelUnderTest },
] as const;
