/**
 * The command line a Pulsar site submits for a job: one POSIX shell script
 * that makes the job's container directories in the Pulsar working
 * directory, then runs the executors in order with the local site's run
 * script (each with its own redirections, stopping at the first failure,
 * recording each exit code). Portable.
 * @module
 */
import type { JobOutput, JobSpec } from '../../contracts/job-spec.js';
import { manifestScript, type ManifestOutput } from '../../transfer/manifest.js';
import { PathMap, containerDirs, dirsToMake, hasWildcard, normalizeContainerPath } from '../../executor/paths.js';
import { planExecutor, shareHolding, shareOf, type InPlaceInput, type SandboxSettings } from '../../executor/plan.js';
import { SANDBOX_FUNCTIONS, sandboxCheckLines } from '../../executor/sandbox.js';
import type { LocalBind } from '../../executor/sandbox.js';
import { runScript, SCRIPT_FILES, shellQuote, type ContainerRuntime } from '../../executor/script.js';

/** Where a job's container paths live below the Pulsar working directory. */
export const ROOT_DIR = 'root';
/** The job spec as the site keeps it in the working directory, for collecting after a restart. */
export const SPEC_FILE = 'pulsar-network-job.json';
/** The manifest (size and sha256 of each file output) the job writes last, in the working directory. */
export const MANIFEST_FILE = 'pulsar-network-manifest.txt';

/**
 * The container paths of `spec` mapped below `<working>/root` on the server.
 *
 * @example
 * ```ts
 * pathMapFor(spec, '/srv/pulsar/files/staging/7/working').host('/data/in.txt');
 * // '/srv/pulsar/files/staging/7/working/root/data/in.txt'
 * ```
 */
export function pathMapFor(spec: JobSpec, working: string): PathMap {
  return new PathMap(`${working}/${ROOT_DIR}`, containerDirs(spec));
}

/** The flat name input `index` is uploaded under (type `input`). */
export function inputName(index: number): string {
  return `pulsar-network-input-${index}`;
}

/**
 * The working-directory name (as Pulsar listings name it) of a
 * container path: `/data/in.txt` → `root/data/in.txt`.
 */
export function workdirName(containerPath: string): string {
  return `${ROOT_DIR}/${containerPath.replace(/^\/+/, '')}`;
}

/**
 * The whole command line: `cd` into the working directory, make the
 * container directories and `logs/`, move each uploaded input (container
 * path → server path of the upload: Pulsar keeps only the base name of an
 * upload, so inputs are uploaded flat and moved into place) to its container
 * path, then the run script (in a subshell), then the output manifest. The run script
 * always exits 0 once it has started; `finished` and `exit-codes` in the
 * working directory say how the executors ended.
 */
export function commandLineFor(spec: JobSpec, working: string, runtime: ContainerRuntime | undefined, uploaded: ReadonlyMap<string, string>, sandbox?: SandboxSettings): string {
  const map = pathMapFor(spec, working);
  const inPlace = sandbox ? nodeSharedInputs(spec, sandbox) : [];
  const steps = spec.executors.map((executor, i) => planExecutor(executor, i, working, map, runtime, sandbox ? { sandbox, inPlace } : {}));
  // the working directories and output parents too, as a container runtime makes them
  const targets = [...uploaded].map(([containerPath, serverPath]) => [serverPath, map.host(containerPath)] as const);
  // One mkdir for every directory (the uploads' parents too): a process per input costs more than its upload on a busy node.
  const parents = targets.map(([, target]) => target.slice(0, target.lastIndexOf('/')));
  const dirs = ['logs', map.root, ...new Set([...[...map.dirs, ...dirsToMake(spec)].map((dir) => map.host(dir)), ...parents])];
  const prologue = [
    '# Written by pulsar-network PulsarRestSite.',
    `cd ${shellQuote(working)} || exit 125`,
    `mkdir -p ${dirs.map(shellQuote).join(' ')} || exit 125`,
    // A DIRECTORY input exists even when it is empty; its files come one by one below.
    ...(spec.inputs ?? []).filter((input) => input.type === 'DIRECTORY').map((input) => `mkdir -p ${shellQuote(map.host(input.path))} || exit 125`),
    ...targets.map(([serverPath, target]) => `mv -f ${shellQuote(serverPath)} ${shellQuote(target)} || exit 125`),
    ...(sandbox ? sandboxCheck(`${working}/sandbox-check`) : []),
  ];
  const script = runScript(steps).split('\n').filter((line) => !line.startsWith('#!'));
  // Pulsar downloads carry no length: the manifest lets collect tell a cut-off download from the file.
  // Written last, it is also the job's own completion marker, and lists every file collect reads
  // (outputs, then each executor's stdout and stderr), so a job can be collected even when Pulsar,
  // restarted while it ran, never lists its files.
  const logs = spec.executors.flatMap((executor, i) => [
    { name: executor.stdout ? workdirName(executor.stdout) : SCRIPT_FILES.stdout(i), path: steps[i]?.stdout as string },
    { name: executor.stderr ? workdirName(executor.stderr) : SCRIPT_FILES.stderr(i), path: steps[i]?.stderr as string },
  ]);
  const manifest = manifestScript([...(spec.outputs ?? []).map((output) => manifestOutput(output, map)), ...logs], MANIFEST_FILE);
  return [...prologue, '(', ...script, ')', manifest].join('\n');
}

/**
 * The sandbox of a Pulsar job: the node's paths in `binds` shared, Pulsar's
 * staging directory (every job's files, two levels above `working`) hidden.
 *
 * @example
 * ```ts
 * pulsarSandbox('/srv/pulsar/staging/7/working', { binds: [{ path: '/shared', writable: true }] }).hide; // ['/srv/pulsar/staging']
 * ```
 */
export function pulsarSandbox(working: string, options: { sandboxNetwork?: boolean; binds?: ReadonlyArray<string | LocalBind> }): SandboxSettings {
  const staging = working.replace(/\/+$/, '').split('/').slice(0, -2).join('/');
  const shared = (options.binds ?? []).map(shareOf).filter((b) => b.path !== '/');
  return {
    shared: shared.map((b) => ({ host: b.path, container: b.path, writable: b.writable, optional: true })),
    hide: staging === '' ? [] : [staging],
    network: options.sandboxNetwork !== false,
  };
}

/**
 * The local inputs below a shared path of the node, which the sandbox binds
 * where they are (the node sees them at the client's path: that is what
 * sharing them says). They are still uploaded; a task that writes in such a
 * directory (Toil's file job store) then writes where the client reads.
 */
function nodeSharedInputs(spec: JobSpec, sandbox: SandboxSettings): InPlaceInput[] {
  const found: InPlaceInput[] = [];
  for (const [index, input] of (spec.inputs ?? []).entries()) {
    const url = input.url ?? '';
    const path = url.startsWith('file://') ? decodeURIComponent(url.replace(/^file:\/\/[^/]*/, '')) : url.startsWith('/') ? url : undefined;
    const normal = path === undefined ? undefined : normalizeContainerPath(path);
    if (normal === undefined || typeof input.content === 'string') continue;
    const under = shareHolding(normal, sandbox.shared.map((s) => ({ path: s.host, writable: s.writable })));
    const directory = input.type === 'DIRECTORY';
    if (under) found.push({ index, container: input.path, host: normal, writable: directory && under.writable, directory });
  }
  return found;
}

/** Refuses to run on a node where bubblewrap does not work (Pulsar runs the command line with a bare environment: the check travels in it). */
function sandboxCheck(dir: string): string[] {
  const failed = 'pulsar-network: the bubblewrap sandbox is not usable on this node; the job is refused';
  return [...SANDBOX_FUNCTIONS, `mkdir -p ${shellQuote(dir)} || exit 125`, `if ! {`, ...sandboxCheckLines(dir), `}; then echo ${shellQuote(failed)} >&2; exit 125; fi`];
}

/** What the manifest lists for an output, under the names Pulsar's working-directory listing gives its files. */
function manifestOutput(output: JobOutput, map: PathMap): ManifestOutput {
  if (hasWildcard(output.path)) {
    const slash = output.path.lastIndexOf('/');
    const directory = output.path.slice(0, slash) || '/';
    return { name: workdirName(directory).replace(/\/+$/, ''), directory: map.host(directory), pattern: output.path.slice(slash + 1) };
  }
  if (output.type === 'DIRECTORY') return { name: workdirName(output.path).replace(/\/+$/, ''), directory: map.host(output.path) };
  return { name: workdirName(output.path), path: map.host(output.path) };
}
