/**
 * Starts a TES gateway over a network of one LocalSite (no container), on a
 * free loopback port, for the gateway tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTesGateway, Network, nodeSiteRegistry, type TesGateway, type TesGatewayOptions } from '../../../src/node.js';

export interface TestGateway {
  gateway: TesGateway;
  network: Network;
  /** The TES base URL, `http://127.0.0.1:PORT/ga4gh/tes/v1`. */
  url: string;
  /** The server origin (what py-tes takes). */
  origin: string;
  scratch: string;
  close(): Promise<void>;
}

/** The tokens of the test clients. */
export const TOKENS = { alice: 'alice-token-0123456789', bob: 'bob-token-9876543210' };

export async function startTestGateway(options: Partial<TesGatewayOptions> = {}): Promise<TestGateway> {
  const scratch = await mkdtemp(join(tmpdir(), 'gateway-test-'));
  const network = await Network.create(
    { seed: 'gateway-test', failover: { pollIntervalMs: 100 }, sites: [{ id: 'laptop', kind: 'local', storages: ['file:///'], options: { allowNoContainer: true, trusted: true, workDir: join(scratch, 'site') } }] },
    { registry: nodeSiteRegistry() },
  );
  // the tests' files live in the scratch directory: the operator allows it for inputs and outputs
  const roots = { inputs: { roots: [scratch] }, outputs: { roots: [scratch] } };
  const gateway = createTesGateway(network, { storePath: join(scratch, 'gateway.db'), clients: { ...TOKENS }, urls: roots, onWarning: () => undefined, ...options });
  const { url } = await gateway.listen();
  return {
    gateway,
    network,
    url,
    origin: new URL(url).origin,
    scratch,
    async close() {
      await gateway.close();
      await network.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
