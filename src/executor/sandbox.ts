/**
 * The bubblewrap sandbox of an executor, as lines of the run script.
 * Portable (no `node:` imports): the same lines run on this machine (local
 * site) and on a Pulsar node (its command line), so the host's file system
 * is listed where the task runs, when it runs.
 *
 * Inside: the host read-only (its top-level entries bound one by one, so
 * the task's container paths can be created anywhere), a private `/tmp`,
 * `/dev`, `/proc` and `/run`, the task's own directories bound read-write at
 * their container paths (nothing rewritten), the configured shared paths,
 * the hidden directories empty, no capabilities, every namespace new (the
 * network kept unless refused), the environment cleared to what TES gives.
 * @module
 */
import { isBelow } from './paths.js';
import { shellQuote } from './shell.js';

/** A host path shared with a site's tasks (local, or Pulsar's command line). */
export interface LocalBind {
  /** The host path (or a `file://` URL). */
  path: string;
  /** Tasks may write below it. @default false */
  writable?: boolean;
}

/** One bind of a host path at a path in the sandbox. */
export interface SandboxMount {
  /** The host path. */
  host: string;
  /** Where the task sees it. */
  container: string;
  /** Bound read-write (else read-only). */
  writable: boolean;
  /** Skipped when the host path does not exist where the task runs (shared paths of a site). */
  optional?: boolean;
}

/** How one executor is sandboxed. */
export interface SandboxCall {
  /** Shared paths first (storages, binds), then the task's directories and in-place inputs, in mount order. */
  mounts: readonly SandboxMount[];
  /** Host directories the task must not see (the site's work directory): empty in the sandbox. */
  hide: readonly string[];
  /** The working directory in the sandbox. */
  workdir: string;
  /** The executor's environment, on top of PATH, HOME=/tmp and TMPDIR=/tmp. */
  env: Readonly<Record<string, string>>;
  /** Keep the host's network (else the task has only its own loopback). */
  network: boolean;
  /**
   * The executor's own redirections, at container paths: opened inside the
   * sandbox, so a link a task left in its directories cannot send the site's
   * shell to a host file.
   */
  redirect?: { stdin?: string; stdout?: string; stderr?: string };
}

/** Top-level directories the sandbox makes anew instead of binding the host's. */
const FRESH_ROOT_DIRS = ['proc', 'dev', 'tmp', 'run'];
/** Below these the sandbox is a private tmpfs: mount points can be made there as they are. */
const PRIVATE_DIRS = ['/tmp', '/run'];

/**
 * Every proper ancestor of the destinations that must be rebuilt (a
 * directory in the sandbox's root whose host entries are bound one by one,
 * so a missing mount point can be made in it), shallowest first; `/` first.
 */
export function openedDirs(destinations: readonly string[]): string[] {
  const opened = new Set<string>(['/']);
  for (const dest of destinations) {
    if (isPrivate(dest)) continue;
    const parts = dest.split('/').filter((p) => p !== '');
    for (let i = 1; i < parts.length; i++) opened.add(`/${parts.slice(0, i).join('/')}`);
  }
  return [...opened].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
}

function isPrivate(path: string): boolean {
  return PRIVATE_DIRS.some((p) => isBelow(path, p));
}

function depth(path: string): number {
  return path === '/' ? 0 : path.split('/').length - 1;
}

/**
 * The shell function the sandbox lines call: `pn_sb_list DIR FILE SKIP…`
 * appends, NUL-separated, a read-only bind (or the same symlink) of every
 * entry of the host's DIR except the names to skip.
 */
export const SANDBOX_FUNCTIONS = [
  'pn_sb_list() {',
  '  pn_d=${1%/}; pn_f=$2; shift 2',
  '  for pn_c in "$pn_d"/* "$pn_d"/.[!.]* "$pn_d"/..?*; do',
  '    [ -e "$pn_c" ] || [ -h "$pn_c" ] || continue',
  '    pn_n=${pn_c##*/}; pn_keep=1',
  '    for pn_s in "$@"; do [ "$pn_n" = "$pn_s" ] && pn_keep=; done',
  '    [ -n "$pn_keep" ] || continue',
  `    if [ -h "$pn_c" ]; then printf '%s\\0' --symlink "$(readlink "$pn_c")" "$pn_c"`,
  `    else printf '%s\\0' --ro-bind "$pn_c" "$pn_c"; fi`,
  '  done >> "$pn_f"',
  '}',
];

/** NUL-separated words appended to the arguments file. */
function words(file: string, ...args: string[]): string {
  return `printf '%s\\0' ${args.map(shellQuote).join(' ')} >> ${shellQuote(file)}`;
}

/**
 * Shell lines (run in the executor's subshell, after {@link SANDBOX_FUNCTIONS})
 * that write bubblewrap's arguments for `call` to `file`, NUL-separated, for
 * `bwrap --args 3 … 3< file`.
 */
export function sandboxLines(call: SandboxCall, file: string): string[] {
  const q = shellQuote(file);
  const opened = openedDirs(call.mounts.filter((m) => !m.optional).map((m) => m.container));
  const lines = ['umask 077', `: > ${q} || exit 125`];
  for (const dir of opened) {
    const children = new Set(opened.filter((o) => o !== dir && parentOf(o) === dir).map((o) => o.slice(o.lastIndexOf('/') + 1)));
    if (dir === '/') for (const name of FRESH_ROOT_DIRS) children.add(name);
    else lines.push(words(file, '--dir', dir));
    lines.push(`pn_sb_list ${shellQuote(dir)} ${q}${[...children].map((c) => ` ${shellQuote(c)}`).join('')}`);
  }
  lines.push(words(file, '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--tmpfs', '/run'));
  // Name resolution keeps working where /etc/resolv.conf points into /run.
  lines.push(`pn_r=$(readlink -f /etc/resolv.conf 2>/dev/null); case $pn_r in /run/*) [ -e "$pn_r" ] && printf '%s\\0' --ro-bind "$pn_r" "$pn_r" >> ${q};; esac`);
  // Outer mounts first: a shared path below a task directory (or the other way round) stays visible.
  const mounts = [...call.mounts].sort((x, y) => depth(x.container) - depth(y.container));
  for (const m of mounts) {
    const line = words(file, m.writable ? '--bind' : '--ro-bind', m.host, m.container);
    lines.push(m.optional ? `if [ -e ${shellQuote(m.host)} ]; then ${line}; fi` : line);
  }
  // Hidden last, so no shared path shows them again; a private /tmp hides by itself what no shared path shows.
  const shows = (dir: string): boolean => call.mounts.some((m) => m.host === m.container && isBelow(dir, m.container));
  for (const dir of call.hide.filter((d) => !isPrivate(d) || shows(d))) {
    lines.push(`if [ -d ${shellQuote(dir)} ]; then ${words(file, '--tmpfs', dir, '--remount-ro', dir)}; fi`);
  }
  lines.push(words(file, '--remount-ro', '/', '--chdir', call.workdir, '--clearenv'));
  lines.push(`printf '%s\\0' --setenv PATH "\${PATH:-/usr/local/bin:/usr/bin:/bin}" >> ${q}`);
  for (const name of ['LANG', 'LC_ALL', 'LC_CTYPE']) lines.push(`if [ -n "\${${name}:-}" ]; then printf '%s\\0' --setenv ${name} "$${name}" >> ${q}; fi`);
  const env: Record<string, string> = { HOME: '/tmp', TMPDIR: '/tmp', ...call.env };
  for (const [name, value] of Object.entries(env)) lines.push(words(file, '--setenv', name, value));
  const isolation = ['--unshare-all', ...(call.network ? ['--share-net'] : []), '--cap-drop', 'ALL', '--die-with-parent', '--new-session'];
  lines.push(words(file, ...isolation));
  return lines;
}

/**
 * Shell lines (after {@link SANDBOX_FUNCTIONS}) whose status is 0 only when
 * bubblewrap works here: a task sandbox made as every task's is, with the
 * existing directory `dir` bound at a container path, writes a file there.
 */
export function sandboxCheckLines(dir: string): string[] {
  const file = `${dir}/check.args`;
  const call: SandboxCall = { mounts: [{ host: dir, container: '/mnt/pulsar-network-check', writable: true }], hide: [], workdir: '/mnt/pulsar-network-check', env: {}, network: false };
  const run = `${sandboxArgv(['/bin/sh', '-c', ': > ok']).map(shellQuote).join(' ')} 3< ${shellQuote(file)} && [ -f ${shellQuote(`${dir}/ok`)} ]`;
  return ['(', ...sandboxLines(call, file).map((line) => `  ${line}`), `  ${run}`, ')'];
}

/** The argv that runs `command` in the sandbox whose arguments are on fd 3, with its redirections made inside. */
export function sandboxArgv(command: readonly string[], redirect: SandboxCall['redirect'] = {}): string[] {
  const opens = [
    redirect.stdin === undefined ? '' : ` < ${shellQuote(redirect.stdin)}`,
    redirect.stdout === undefined ? '' : ` > ${shellQuote(redirect.stdout)}`,
    redirect.stderr === undefined ? '' : ` 2> ${shellQuote(redirect.stderr)}`,
  ].join('');
  return ['bwrap', '--args', '3', '--', ...(opens === '' ? command : ['/bin/sh', '-c', `exec "$@"${opens}`, 'sh', ...command])];
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
