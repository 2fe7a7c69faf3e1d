// The Pulsar site's translation of a task: which working-directory files an
// output names, and the command line's shape.
import { describe, expect, it } from 'vitest';
import { commandLineFor } from '../../src/sites/pulsar/command.js';
import { matchOutput } from '../../src/sites/pulsar/outputs.js';

const working = ['exit-codes', 'root/out/a.txt', 'root/out/b.log', 'root/out/sub/c.txt', 'root/tree/x', 'root/tree/y/z', 'root/treetop'];

describe('matchOutput', () => {
  it('finds a file, a directory (not its namesake neighbours), and last-segment wildcard matches', () => {
    expect(matchOutput({ path: '/out/a.txt', url: '/l/a' }, working)).toEqual([{ name: 'root/out/a.txt', path: '/out/a.txt', relative: '' }]);
    expect(matchOutput({ path: '/tree', url: '/l/t' }, working)).toEqual([
      { name: 'root/tree/x', path: '/tree/x', relative: 'x' },
      { name: 'root/tree/y/z', path: '/tree/y/z', relative: 'y/z' },
    ]);
    expect(matchOutput({ path: '/out/*.txt', path_prefix: '/out', url: '/l/o' }, working)).toEqual([{ name: 'root/out/a.txt', path: '/out/a.txt', relative: 'a.txt' }]);
    expect(matchOutput({ path: '/out/?.*', path_prefix: '/', url: '/l/o' }, working).map((m) => m.relative)).toEqual(['out/a.txt', 'out/b.log']);
    expect(matchOutput({ path: '/none', url: '/l/n' }, working)).toEqual([]);
  });
});

describe('commandLineFor', () => {
  it('moves uploads into place, runs the executors in a subshell with their redirections, then writes the manifest', () => {
    const line = commandLineFor(
      {
        inputs: [{ path: '/data/in.txt', content: 'x' }],
        outputs: [{ path: '/data/out.txt', url: '/l/o' }, { path: '/data/dir', url: '/l/d', type: 'DIRECTORY' }],
        executors: [{ image: 'alpine', command: ['sort', '/data/in.txt'], stdout: '/data/out.txt', env: { A: "it's" } }],
      },
      '/srv/w',
      undefined,
      new Map([['/data/in.txt', '/srv/inputs/pulsar-network-input-0']]),
    );
    const lines = line.split('\n');
    expect(lines.slice(1, 4)).toEqual([
      "cd '/srv/w' || exit 125",
      "mkdir -p 'logs' '/srv/w/root' '/srv/w/root/data' || exit 125",
      "mv -f '/srv/inputs/pulsar-network-input-0' '/srv/w/root/data/in.txt' || exit 125",
    ]);
    expect(line).toContain("A='it'\\''s'; export A");
    expect(line).toContain("exec 'sort' '/srv/w/root/data/in.txt' < '/dev/null' > '/srv/w/root/data/out.txt' 2> '/srv/w/logs/0.stderr'");
    expect(lines[4]).toBe('(');
    const manifest = lines.findIndex((l) => l.includes("__pn_entry '/srv/w/root/data/out.txt' 'root/data/out.txt'"));
    expect(manifest).toBeGreaterThan(lines.lastIndexOf(')'));
    // A directory output's files are listed at run time, under the names Pulsar's listing gives them.
    expect(lines.indexOf("  __pn_tree '/srv/w/root/data/dir' 'root/data/dir'")).toBeGreaterThan(manifest);
  });

  it('wraps each executor in the runtime the site names', () => {
    const line = commandLineFor({ executors: [{ image: 'alpine:3', command: ['true'] }] }, '/srv/w', 'apptainer', new Map());
    expect(line).toContain("exec 'apptainer' 'exec' '--cleanenv' 'docker://alpine:3' 'true'");
  });
});
