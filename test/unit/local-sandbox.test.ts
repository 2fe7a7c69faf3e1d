import { describe, expect, it } from 'vitest';
import { formatAccessLog, legacyServiceInfo, LocalSite, localSiteFactory, ValidationError, type JobSpec, type ResolvedSite } from '../../src/internal.js';
import { clientOutputUrl } from '../../src/gateway/output-urls.js';
import { dirsToMake } from '../../src/executor/paths.js';
import { planExecutor } from '../../src/executor/plan.js';
import { PathMap } from '../../src/executor/paths.js';
import { openedDirs, sandboxLines, type SandboxCall } from '../../src/executor/sandbox.js';
import { commandLineFor, pulsarSandbox } from '../../src/sites/pulsar/command.js';
import { checkSpec } from '../../src/executor/validate.js';

/** A configured site as the network hands it to a factory. */
function siteConfig(id: string, kind: 'local', description: { storages?: string[] }, options: Record<string, unknown>): ResolvedSite {
  return { description: { id, kind, resources: {}, tags: {}, storages: description.storages ?? [], weight: 1 }, auth: { type: 'none' }, options } as unknown as ResolvedSite;
}

/** The NUL-separated words the lines write, as one string per printf line (static lines only). */
const written = (lines: string[]): string => lines.filter((l) => l.startsWith("printf '%s\\0' '")).join('\n');

describe('the sandbox arguments', () => {
  it('rebuilds every ancestor of a task directory outside the private /tmp and /run, root first', () => {
    expect(openedDirs(['/mnt/task', '/data/x/y', '/tmp/a/b', '/run/r/s', '/top'])).toEqual(['/', '/data', '/mnt', '/data/x']);
  });

  it('binds task directories read-write at their container paths, outer first, shared paths where they exist, then hides', () => {
    const call: SandboxCall = {
      mounts: [
        { host: '/jobs/1/root/mnt/task/in', container: '/mnt/task/in', writable: false },
        { host: '/jobs/1/root/mnt/task', container: '/mnt/task', writable: true },
        { host: '/shared', container: '/shared', writable: true, optional: true },
      ],
      hide: ['/srv/work', '/tmp/private-anyway'],
      workdir: '/mnt/task',
      env: { A: "it's" },
      network: false,
    };
    const lines = sandboxLines(call, 'args');
    const text = lines.join('\n');
    expect(text.indexOf("'--bind' '/jobs/1/root/mnt/task' '/mnt/task'")).toBeLessThan(text.indexOf("'--ro-bind' '/jobs/1/root/mnt/task/in' '/mnt/task/in'"));
    expect(text).toContain("if [ -e '/shared' ]; then printf '%s\\0' '--bind' '/shared' '/shared' >> 'args'; fi");
    expect(text).toContain("if [ -d '/srv/work' ]; then printf '%s\\0' '--tmpfs' '/srv/work' '--remount-ro' '/srv/work' >> 'args'; fi");
    expect(text).not.toContain('/tmp/private-anyway');
    expect(text.indexOf("'--bind' '/shared'")).toBeLessThan(text.indexOf("'--tmpfs' '/srv/work'"));
    expect(text).toContain("pn_sb_list '/' 'args' 'mnt' 'proc' 'dev' 'tmp' 'run'");
    expect(text).toContain("printf '%s\\0' '--dir' '/mnt' >> 'args'");
    const words = written(lines);
    expect(words).toContain("'--remount-ro' '/' '--chdir' '/mnt/task' '--clearenv'");
    expect(words).toContain("'--setenv' 'HOME' '/tmp'");
    expect(words).toContain(`'--setenv' 'A' 'it'\\''s'`);
    expect(words).toContain("'--unshare-all' '--cap-drop' 'ALL' '--die-with-parent' '--new-session'");
    expect(sandboxLines({ ...call, network: true }, 'args').join('\n')).toContain("'--unshare-all' '--share-net' '--cap-drop' 'ALL'");
  });

  it('runs the command as it is: no container path rewritten, the in-place inputs bound over the task directories', () => {
    const map = new PathMap('/jobs/1/root', ['/mnt/task']);
    const step = planExecutor({ image: 'x', command: ['bash', '/mnt/task/command'], workdir: '/mnt/task/work', stdin: '/mnt/task/store/in' }, 0, '/jobs/1', map, undefined, {
      sandbox: { shared: [{ host: '/mnt', container: '/mnt', writable: true, optional: true }], hide: [], network: true },
      inPlace: [{ index: 0, container: '/mnt/task/store', host: '/shared/store', writable: true, directory: true }],
    });
    expect(step.argv).toEqual(['bash', '/mnt/task/command']);
    expect(step.stdin).toBe('/shared/store/in');
    // a shared path holding a task directory is left out (the task's mount point could not be made in it)
    expect(step.sandbox?.mounts).toEqual([
      { host: '/jobs/1/root/mnt/task', container: '/mnt/task', writable: true },
      { host: '/shared/store', container: '/mnt/task/store', writable: true },
    ]);
    expect(step.sandbox?.workdir).toBe('/mnt/task/work');
  });
});

describe('directories made before the run, as a container runtime makes them', () => {
  it('are the working directories, the parents of outputs and redirections, and the volumes', () => {
    const spec: JobSpec = {
      inputs: [{ path: '/mnt/task/command', content: 'x' }],
      outputs: [
        { path: '/mnt/task/work', url: '/o', type: 'DIRECTORY' },
        { path: '/mnt/task/out/a.txt', url: '/o/a' },
        { path: '/mnt/task/many/*.txt', path_prefix: '/mnt/task/many', url: '/o/m' },
      ],
      volumes: ['/scratch/v'],
      executors: [{ image: 'x', command: ['true'], workdir: '/mnt/task/work', stdout: '/mnt/task/logs/stdout' }],
    };
    expect(dirsToMake(spec)).toEqual(['/mnt/task', '/mnt/task/logs', '/mnt/task/many', '/mnt/task/out', '/mnt/task/work', '/scratch/v']);
  });
});

describe('Pulsar command lines with the sandbox', () => {
  const spec: JobSpec = {
    inputs: [{ path: '/tmp/run.sh', content: 'echo hi' }, { path: '/shared/js', url: 'file:///shared/js', type: 'DIRECTORY' }],
    executors: [{ image: 'x', command: ['/bin/bash', '/tmp/run.sh'], workdir: '/tmp/work' }],
  };
  const working = '/srv/pulsar/staging/7/working';

  it('checks bubblewrap on the node first, makes the working directories, and runs commands unrewritten in the sandbox', () => {
    const sandbox = pulsarSandbox(working, { binds: [{ path: '/shared', writable: true }, '/'] });
    expect(sandbox).toEqual({ shared: [{ host: '/shared', container: '/shared', writable: true, optional: true }], hide: ['/srv/pulsar/staging'], network: true });
    const line = commandLineFor(spec, working, undefined, new Map(), sandbox);
    expect(line).toContain("'/srv/pulsar/staging/7/working/root/tmp/work'");
    expect(line).toContain("echo 'pulsar-network: the bubblewrap sandbox is not usable on this node; the job is refused' >&2; exit 125");
    expect(line).toContain("exec 'bwrap' '--args' '3' '--' '/bin/bash' '/tmp/run.sh' 3< sandbox-0.args");
    // the shared job store is bound where it is, read-write, over its uploaded copy
    expect(line).toContain("printf '%s\\0' '--bind' '/shared/js' '/shared/js'");
    expect(line.indexOf('sandbox-check')).toBeLessThan(line.indexOf('# executor 0'));
  });

  it('without the sandbox, the working directory is made too and paths are rewritten as before', () => {
    const line = commandLineFor({ ...spec, inputs: [spec.inputs![0]!] }, working, undefined, new Map());
    expect(line).toContain("'/srv/pulsar/staging/7/working/root/tmp/work'");
    expect(line).not.toContain('bwrap');
    expect(line).toContain("exec '/bin/bash' '/srv/pulsar/staging/7/working/root/tmp/run.sh'");
  });
});

describe('site options', () => {
  it('a local site in a network configuration takes the sandbox options, and its storages', () => {
    const site = localSiteFactory()(siteConfig('laptop', 'local', { storages: ['file:///data/'] }, { sandbox: 'bubblewrap', sandboxFallback: 'warn', sandboxNetwork: false, binds: ['/ref', { path: '/scratch', writable: true }] }), { onHttpEvent: () => undefined });
    expect(site).toBeInstanceOf(LocalSite);
    const bad = () => localSiteFactory()(siteConfig('laptop', 'local', {}, { sandbox: 'docker', sandboxFallback: 'maybe', sandboxNetwork: 'no', binds: [{ path: '/x', rw: true }] }), { onHttpEvent: () => undefined });
    expect(bad).toThrow(ValidationError);
    try {
      bad();
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
        '$.sites[id=laptop].options.sandbox',
        '$.sites[id=laptop].options.sandboxFallback',
        '$.sites[id=laptop].options.sandboxNetwork',
        '$.sites[id=laptop].options.binds',
      ]);
    }
  });

  it('refuses a writable bind of the whole host', () => {
    expect(() => new LocalSite({ sandbox: 'bubblewrap', binds: [{ path: '/', writable: true }] })).toThrow(/a writable bind of \/ would make the whole host writable/);
    expect(() => new LocalSite({ binds: ['relative/dir'] })).toThrow(/relative\/dir is not an absolute path or file:\/\/ URL/);
  });
});

describe('job specs for a sandbox', () => {
  const where = { locate: () => ({ kind: 'file' as const, path: '/x' }) };
  it('refuses NUL characters (they would cut the sandbox arguments) and directories the sandbox makes anew', () => {
    expect(checkSpec({ executors: [{ image: 'x', command: ['echo', 'a\0--bind'], env: { A: 'b' } }] }, { mode: 'sandbox' }, where)).toEqual([
      { path: '$.executors[0]', message: 'a command word, env value or path contains a NUL character' },
    ]);
    expect(checkSpec({ executors: [{ image: 'x', command: ['true'], env: { A: '\0' } }] }, { mode: 'sandbox' }, where)).toHaveLength(1);
    expect(checkSpec({ executors: [{ image: 'x', command: ['true'], workdir: '/proc/self' }] }, { mode: 'sandbox' }, where)).toEqual([
      { path: '$', message: 'container directory /proc/self cannot be bound in the sandbox (it is the root, or made anew there); use a directory such as /data' },
    ]);
    // system directories are fine in a sandbox (nothing is rewritten), unlike for plain processes
    expect(checkSpec({ executors: [{ image: 'x', command: ['true'], workdir: '/usr' }] }, { mode: 'sandbox' }, where)).toEqual([]);
    expect(checkSpec({ executors: [{ image: 'x', command: ['true'], workdir: '/usr' }] }, { mode: 'ignore' }, where)).toHaveLength(1);
  });
});

describe('gateway compatibility helpers', () => {
  it('keeps output URLs in the form the client gave', () => {
    const outputs = [
      { path: '/data/one.txt', url: 'file:///out/one.txt' },
      { path: '/work', url: 'file:///out/run%201', type: 'DIRECTORY' as const },
      { path: '/logs/*.log', path_prefix: '/logs', url: 's3://bucket/logs/' },
    ];
    expect(clientOutputUrl(outputs, '/data/one.txt', '/out/one.txt')).toBe('file:///out/one.txt');
    expect(clientOutputUrl(outputs, '/work/sub/a b.txt', '/out/run 1/sub/a b.txt')).toBe('file:///out/run%201/sub/a%20b.txt');
    expect(clientOutputUrl(outputs, '/logs/x.log', '/tmp/x.log')).toBe('s3://bucket/logs/x.log');
    expect(clientOutputUrl(outputs, '/elsewhere/y', '/host/y')).toBe('file:///host/y');
  });

  it('answers service-info in the TES 0.3 shape, and formats access-log lines', () => {
    const info = { id: 'x', name: 'gw', description: 'a gateway', type: { group: 'org.ga4gh', artifact: 'tes' as const, version: '1.1.0' }, organization: { name: 'o', url: 'https://o' }, version: '1', storage: ['file:///d/'] };
    expect(legacyServiceInfo(info)).toEqual({ name: 'gw', doc: 'a gateway', storage: ['file:///d/'] });
    expect(formatAccessLog({ time: 't', method: 'GET', path: '/v1/tasks', status: 401, durationMs: 2 })).toBe('t GET /v1/tasks 401 - 2ms');
  });
});
