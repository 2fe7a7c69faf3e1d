import { describe, expect, it } from 'vitest';
import { segmentRegExp } from '../../src/sites/local/glob.js';
import { containerDirs, hasWildcard, normalizeContainerPath, PathMap, wildcardFreeDir } from '../../src/executor/paths.js';
import { imagePolicy, planExecutor } from '../../src/executor/plan.js';
import { containerArgv, runScript, shellQuote } from '../../src/executor/script.js';
import { checkSpec, locate } from '../../src/executor/validate.js';
import type { JobSpec } from '../../src/index.js';

const where = { locate: (url: string) => locate(url, (p) => `/cwd/${p}`, (u) => new URL(u).pathname) };

describe('container paths', () => {
  it('normalises absolute paths and refuses relative or climbing ones', () => {
    expect(normalizeContainerPath('//data/./in//x.txt')).toBe('/data/in/x.txt');
    expect(normalizeContainerPath('data/x')).toBeUndefined();
    expect(normalizeContainerPath('/data/../etc/passwd')).toBeUndefined();
  });

  it('maps the outermost directories the job uses', () => {
    const spec: JobSpec = {
      inputs: [{ path: '/data/in/a.txt', content: 'a' }, { path: '/ref', url: '/x', type: 'DIRECTORY' }],
      outputs: [{ path: '/data/out/b.txt', url: '/tmp/b' }],
      volumes: ['/scratch'],
      executors: [{ image: 'x', command: ['true'], workdir: '/data', stdout: '/logs/o.txt' }],
    };
    expect(containerDirs(spec).sort()).toEqual(['/data', '/logs', '/ref', '/scratch']);
  });

  it('rewrites mapped paths in arguments only at path boundaries', () => {
    const map = new PathMap('/j/root', ['/data', '/out']);
    expect(map.host('/data/in.txt')).toBe('/j/root/data/in.txt');
    expect(map.rewrite('wc -l < /data/in.txt > /out/n; cat /database /data')).toBe('wc -l < /j/root/data/in.txt > /j/root/out/n; cat /database /j/root/data');
    expect(map.rewrite('--in=/data/x file:///data/y ./data/z /usr/bin/env')).toBe('--in=/j/root/data/x file:///data/y ./data/z /usr/bin/env');
  });
});

describe('run script', () => {
  it('quotes every word for the shell', () => {
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
  });

  it('runs executors in order, records each exit code, stops at the first failure unless ignore_error', () => {
    const script = runScript([
      { executor: { image: 'x', command: ['a'], ignore_error: true }, argv: ['a', 'b c'], cwd: '/w', env: { K: "v'1" }, stdout: '/o0', stderr: '/e0' },
      { executor: { image: 'x', command: ['b'] }, argv: ['b'], env: {}, stdin: '/in', stdout: '/o1', stderr: '/e1' },
    ]);
    const lines = script.split('\n');
    expect(lines).toContain(`  exec 'a' 'b c' < '/dev/null' > '/o0' 2> '/e0'`);
    expect(lines).toContain(`  exec 'b' < '/in' > '/o1' 2> '/e1'`);
    expect(lines).toContain(`  K='v'\\''1'; export K`);
    expect(lines).toContain(`  cd '/w' || exit 125`);
    expect(lines.filter((l) => l.startsWith('if [ "$code" -ne 0 ]'))).toHaveLength(1);
    expect(lines.filter((l) => l === 'echo "$code" >> exit-codes')).toHaveLength(2);
    expect(lines.at(-2)).toBe(': > finished');
  });

  it('wraps commands for docker/podman and apptainer/singularity', () => {
    const call = { image: 'alpine:3', command: ['ls', '/data'], mounts: [['/j/root/data', '/data']] as const, workdir: '/data', env: { A: '1' } };
    expect(containerArgv({ ...call, runtime: 'podman' })).toEqual(['podman', 'run', '--rm', '-i', '-v', '/j/root/data:/data', '-w', '/data', '-e', 'A=1', 'alpine:3', 'ls', '/data']);
    expect(containerArgv({ ...call, runtime: 'apptainer' })).toEqual([
      'apptainer', 'exec', '--cleanenv', '--bind', '/j/root/data:/data', '--pwd', '/data', '--env', 'A=1', 'docker://alpine:3', 'ls', '/data',
    ]);
    expect(containerArgv({ ...call, runtime: 'singularity', image: '/images/a.sif' }).at(-3)).toBe('/images/a.sif');
  });
});

describe('local spec checks', () => {
  const good: JobSpec = {
    inputs: [{ path: '/data/a', url: 'file:///tmp/a' }, { path: '/data/b', content: 'b' }, { path: '/data/c', url: 'https://example.org/c' }, { path: '/data/d', url: 'rel/d' }],
    outputs: [{ path: '/data/o', url: '/tmp/o' }],
    executors: [{ image: 'alpine', command: ['true'], env: { OK_1: 'x' } }],
  };

  it('accepts file URLs, paths, http(s) URLs and inline content', () => {
    expect(checkSpec(good, { mode: 'ignore' }, where)).toEqual([]);
  });

  it('says what is wrong and where', () => {
    const bad = {
      inputs: [{ path: 'relative', content: 'x' }, { path: '/data/s3', url: 's3://bucket/key' }, { path: '/data/both', url: '/a', content: 'b' }, { path: '/data/none' }],
      outputs: [{ path: '/data/o', url: 'https://example.org/put' }],
      executors: [{ image: '', command: [] as string[], env: { 'BAD-NAME': 'x' }, stdout: 'out.txt' }],
    } as unknown as JobSpec;
    const paths = checkSpec(bad, { mode: 'ignore' }, where).map((i) => i.path);
    expect(paths).toEqual([
      '$.executors[0].command',
      '$.executors[0].image',
      '$.executors[0].stdout',
      '$.executors[0].env.BAD-NAME',
      '$.inputs[0].path',
      '$.inputs[1].url',
      '$.inputs[2]',
      '$.inputs[3]',
      '$.outputs[0].url',
    ]);
  });

  it('refuses what is not an object', () => {
    expect(checkSpec(null as unknown as JobSpec, { mode: 'ignore' }, where)).toEqual([{ path: '$', message: 'a job spec must be an object (a TES task)' }]);
  });

  it('refuses images under a refusing policy, at each executor', () => {
    const issues = checkSpec({ executors: [{ image: 'a', command: ['x'] }, { image: 'b', command: ['y'] }] }, { mode: 'refuse', why: 'no runtime' }, where);
    expect(issues).toEqual([
      { path: '$.executors[0].image', message: 'no runtime' },
      { path: '$.executors[1].image', message: 'no runtime' },
    ]);
  });

  it('refuses to map system directories when running without a container', () => {
    const spec: JobSpec = { inputs: [{ path: '/usr/x', content: 'x' }], executors: [{ image: 'a', command: ['x'] }] };
    expect(checkSpec(spec, { mode: 'ignore' }, where)[0]?.message).toMatch(/\/usr cannot be mapped/);
    expect(checkSpec(spec, { mode: 'container' }, where)).toEqual([]);
  });
});

describe('image policy', () => {
  it('uses a working runtime, else ignores images when allowed, else refuses saying why', () => {
    expect(imagePolicy('auto', 'podman', false)).toEqual({ policy: { mode: 'container' }, runtime: 'podman' });
    expect(imagePolicy('docker', undefined, true)).toEqual({ policy: { mode: 'ignore' } });
    expect(imagePolicy(undefined, undefined, true)).toEqual({ policy: { mode: 'ignore' } });
    const missing = imagePolicy('docker', undefined, false).policy;
    expect(missing.mode === 'refuse' && missing.why).toMatch(/^the container runtime docker is not installed or does not answer; or set allowNoContainer/);
    const none = imagePolicy(undefined, undefined, false).policy;
    expect(none.mode === 'refuse' && none.why).toMatch(/set allowNoContainer: true/);
  });

  it('plans an executor without a container: paths mapped, default logs in the job directory', () => {
    const map = new PathMap('/j/root', ['/data']);
    const step = planExecutor({ image: 'x', command: ['cat', '/data/a'], env: { IN: '/data/a' }, stdin: '/data/in' }, 1, '/j', map, undefined);
    expect(step).toMatchObject({ argv: ['cat', '/j/root/data/a'], env: { IN: '/j/root/data/a' }, cwd: '/j/root', stdin: '/j/root/data/in', stdout: '/j/logs/1.stdout', stderr: '/j/logs/1.stderr' });
  });

  it('plans an executor in a container: argv wrapped, paths left to the mounts', () => {
    const map = new PathMap('/j/root', ['/data']);
    const step = planExecutor({ image: 'alpine', command: ['cat', '/data/a'], workdir: '/data', stdout: '/data/o' }, 0, '/j', map, 'docker');
    expect(step.argv).toEqual(['docker', 'run', '--rm', '-i', '-v', '/j/root/data:/data', '-w', '/data', 'alpine', 'cat', '/data/a']);
    expect(step.cwd).toBeUndefined();
    expect(step.stdout).toBe('/j/root/data/o');
  });
});

describe('output wildcards (TES 1.1)', () => {
  it('matches POSIX patterns segment by segment, hiding dot files from a leading wildcard', () => {
    expect(segmentRegExp('*.txt').test('a.txt')).toBe(true);
    expect(segmentRegExp('*.txt').test('.hidden.txt')).toBe(false);
    expect(segmentRegExp('.*').test('.hidden')).toBe(true);
    expect(segmentRegExp('part-?.csv').test('part-1.csv')).toBe(true);
    expect(segmentRegExp('part-?.csv').test('part-10.csv')).toBe(false);
    expect(segmentRegExp('[ab]x').test('bx')).toBe(true);
    expect(segmentRegExp('[!ab]x').test('bx')).toBe(false);
    expect(segmentRegExp('[!ab]x').test('cx')).toBe(true);
    expect(segmentRegExp('a+b(1).txt').test('a+b(1).txt')).toBe(true);
  });

  it('maps the wildcard-free directory of a pattern', () => {
    expect(hasWildcard('/data/out/*.txt')).toBe(true);
    expect(wildcardFreeDir('/data/out/*.txt')).toBe('/data/out');
    expect(wildcardFreeDir('/data/run-*/x.txt')).toBe('/data');
    const spec: JobSpec = { outputs: [{ path: '/data/run-*/x.txt', path_prefix: '/data', url: '/tmp/o' }], executors: [{ image: 'a', command: ['x'] }] };
    expect(containerDirs(spec)).toEqual(['/data']);
  });

  it('requires a path_prefix that leads the pattern', () => {
    const spec = (path_prefix?: string): JobSpec => ({
      outputs: [{ path: '/data/out/*.txt', url: '/tmp/o', ...(path_prefix === undefined ? {} : { path_prefix }) }],
      executors: [{ image: 'a', command: ['x'] }],
    });
    expect(checkSpec(spec('/data/out'), { mode: 'ignore' }, where)).toEqual([]);
    expect(checkSpec(spec(), { mode: 'ignore' }, where).map((i) => i.path)).toEqual(['$.outputs[0].path_prefix']);
    expect(checkSpec(spec('/other'), { mode: 'ignore' }, where)[0]?.message).toMatch(/leading part of path/);
  });
});
