/**
 * Real workflow engines (Snakemake, Toil, Sprocket) as scripts/peers/install-*.sh
 * installed them, and TES gateways for them to drive: one over a sandboxed
 * LocalSite, one over a real Pulsar whose command lines run in the sandbox.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTesGateway, formatAccessLog, Network, nodeSiteRegistry, type TesGateway } from '../../src/internal.js';
import { startPulsar, type PulsarServer } from './pulsar.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The folder of the workflows the engines run. */
export const WORKFLOWS = join(dirname(fileURLToPath(import.meta.url)), 'engines');

/** Where the installers put each engine (the same rule as scripts/peers/engine-venv.sh). */
export function enginePaths(): { snakemake: string; toil: string; sprocket: string } {
  const base = process.env.CI === 'true' ? join(root, '.peers') : (process.env.PULSAR_NETWORK_CACHE ?? join(homedir(), '.cache', 'pulsar-network'));
  const paths = { snakemake: join(base, 'snakemake-9.27.1', 'bin'), toil: join(base, 'toil-7.0.0', 'bin'), sprocket: join(base, 'sprocket-0.33.0', 'bin') };
  for (const [name, bin] of Object.entries(paths)) {
    if (!existsSync(bin)) throw new Error(`${name} is not installed at ${bin}: run scripts/peers/install-${name}.sh (npm run peers)`);
  }
  return paths;
}

/** What an engine run gave. */
export interface EngineRun {
  code: number;
  output: string;
  seconds: number;
}

/** Runs an engine's command; never rejects (the test reads the code and the output). */
export function runEngine(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<EngineRun> {
  const started = performance.now();
  return new Promise((resolvePromise) => {
    execFile(command, args, { cwd: options.cwd, env: options.env, timeout: options.timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolvePromise({ code, output: `${stdout}\n${stderr}`, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** A gateway the engines reach, over one site. */
export interface EngineGateway {
  /** `local` or `pulsar`. */
  site: string;
  gateway: TesGateway;
  network: Network;
  /** The TES base URL. */
  url: string;
  /** Its origin (what py-tes 0.4 clients take). */
  origin: string;
  /** The access log, one line per request. */
  accessLog: string[];
}

/** Both gateways, the shared directory their sites declare, and the Pulsar server. */
export interface EngineGateways {
  local: EngineGateway;
  pulsar: EngineGateway;
  /** Scratch for the engines' work directories. */
  scratch: string;
  /** Declared storage of both sites, shared read-write with their tasks. */
  shared: string;
  close(): Promise<void>;
}

/** The bearer token of the engines' client. */
export const ENGINE_TOKEN = 'engine-token-0123456789abcdef';

/**
 * Starts a real Pulsar and two gateways (a sandboxed LocalSite; the Pulsar
 * site with `sandbox: 'bubblewrap'`), each site declaring `shared` as its
 * storage and sharing it read-write. Task PATHs lead to the engines' venvs.
 */
export async function startEngineGateways(): Promise<EngineGateways> {
  const engines = enginePaths();
  const scratch = await mkdtemp(join(tmpdir(), 'engines-'));
  const shared = join(scratch, 'shared');
  await mkdir(shared, { recursive: true });
  // the local site's tasks inherit this process's PATH (cleared of everything else in the sandbox)
  const taskPath = `${engines.snakemake}:${engines.toil}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  process.env.PATH = taskPath;
  // the engines' venvs, read-only: CI may keep them below /tmp, which every task gets empty
  const venvs = [dirname(engines.snakemake), dirname(engines.toil)];
  const sharing = { storages: [`file://${shared}/`], binds: [{ path: shared, writable: true }, ...venvs] };
  let pulsar: PulsarServer | undefined;
  const gateways: EngineGateway[] = [];
  try {
    pulsar = await startPulsar({ manager: { concurrentJobs: 4 }, env: { PATH: taskPath } });
    const sites = {
      local: { id: 'laptop', kind: 'local', storages: sharing.storages, options: { sandbox: 'bubblewrap', workDir: join(scratch, 'site'), binds: sharing.binds } },
      pulsar: { id: 'eu-pulsar', kind: 'pulsar-rest', url: pulsar.url, auth: { type: 'query', name: 'private_token', valueEnv: 'ENGINES_PULSAR_TOKEN' }, storages: sharing.storages, options: { sandbox: 'bubblewrap', binds: sharing.binds } },
    } as const;
    for (const [name, site] of Object.entries(sites)) {
      const network = await Network.create({ seed: `engines-${name}`, failover: { pollIntervalMs: 200 }, sites: [site] } as Parameters<typeof Network.create>[0], {
        registry: nodeSiteRegistry(),
        env: { ENGINES_PULSAR_TOKEN: pulsar.token ?? '' },
      });
      const accessLog: string[] = [];
      const gateway = createTesGateway(network, { storePath: join(scratch, `${name}.db`), clients: { engine: ENGINE_TOKEN },
        // the engines' files live in the shared directory: the operator allows it for inputs and outputs
        urls: { inputs: { roots: [shared] }, outputs: { roots: [shared] } },
        accessLog: (e) => accessLog.push(formatAccessLog(e)) });
      const { url } = await gateway.listen();
      gateways.push({ site: name, gateway, network, url, origin: new URL(url).origin, accessLog });
    }
  } catch (error) {
    await Promise.all(gateways.map(async (g) => (await g.gateway.close(), await g.network.close())));
    await pulsar?.stop();
    throw error;
  }
  const [local, remote] = gateways as [EngineGateway, EngineGateway];
  return {
    local,
    pulsar: remote,
    scratch,
    shared,
    async close() {
      for (const g of gateways) {
        await g.gateway.close();
        await g.network.close();
      }
      await pulsar?.stop();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}
