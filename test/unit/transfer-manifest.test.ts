import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError, ValidationError } from '../../src/index.js';
import { manifestScript, parseManifest, shellQuote, verifyManifest, type ManifestOutput } from '../../src/internal.js';

const run = promisify(execFile);
const sha = (bytes: string | Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pn-manifest-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runJob(
  command: string,
  outputs: ManifestOutput[],
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number; manifest: string }> {
  const script = `${command}\n${manifestScript(outputs, '../outputs/manifest.txt')}\nreturn_code=$?; echo $return_code > ../return_code`;
  await mkdir(join(dir, 'working'), { recursive: true });
  await mkdir(join(dir, 'outputs'), { recursive: true });
  await run('/bin/sh', ['-c', script], { cwd: join(dir, 'working'), ...(env ? { env } : {}) }).catch(() => undefined);
  const code = Number((await readFile(join(dir, 'return_code'), 'utf8')).trim());
  return { code, manifest: await readFile(join(dir, 'outputs', 'manifest.txt'), 'utf8') };
}

describe('output manifest', () => {
  it('lists every file below a directory output and the matches of a pattern, at run time, under the names Pulsar lists', async () => {
    const command = [
      "mkdir -p ../outputs/tree/sub\\ dir ../outputs/csv",
      "printf a > ../outputs/tree/a",
      "printf b > '../outputs/tree/sub dir/b'",
      // A name with a newline cannot be a manifest line: it is left out, and the rest still parses.
      "printf n > \"../outputs/tree/$(printf 'new\\nline')\"",
      "printf 1 > \"../outputs/csv/part-1.c'sv\"",
      "printf 2 > ../outputs/csv/other.csv",
    ].join(' && ');
    const { code, manifest } = await runJob(`(${command}; exit 4)`, [
      { name: 'root/tree', directory: '../outputs/tree/' },
      { name: 'root/csv', directory: '../outputs/csv', pattern: "part-*.c'sv" },
      { name: 'root/csv', directory: '../outputs/csv', pattern: '*' },
      { name: 'root/none', directory: '../outputs/none' },
      { name: 'root/none', directory: '../outputs/none', pattern: '*.x' },
    ]);
    expect(code).toBe(4);
    // part-1.c'sv is matched twice (by both patterns): one entry.
    expect(parseManifest(manifest)).toEqual([
      { name: 'root/tree/a', size: 1, sha256: sha('a') },
      { name: 'root/tree/sub dir/b', size: 1, sha256: sha('b') },
      { name: "root/csv/part-1.c'sv", size: 1, sha256: sha('1') },
      { name: 'root/csv/other.csv', size: 1, sha256: sha('2') },
    ]);
  });

  it('takes the same line twice as one entry, and refuses two different lines for one name', () => {
    const line = `${sha('a')} 1 a.txt`;
    expect(parseManifest(`pulsar-network-manifest 1\n${line}\n${line}\nend 2\n`)).toEqual([{ name: 'a.txt', size: 1, sha256: sha('a') }]);
    expect(() => parseManifest(`pulsar-network-manifest 1\n${line}\n- - a.txt\nend 2\n`)).toThrow(/listed twice, differently/);
  });

  it('refuses a pattern with a slash and a directory with a newline', () => {
    expect(() => manifestScript([{ name: 'x', directory: 'd', pattern: 'a/*' }], 'm')).toThrow(ValidationError);
    expect(() => manifestScript([{ name: 'x', directory: 'd\ne' }], 'm')).toThrow(ValidationError);
  });

  it('the sh snippet lists name, size and sha256 of every output and keeps the exit code', async () => {
    const outputs = [
      { name: 'out.txt', path: '../outputs/out.txt' },
      { name: "it's empty", path: "../outputs/it's empty" },
      { name: 'sub/dir name.bin', path: '../outputs/sub/dir name.bin' },
      { name: 'never.txt', path: '../outputs/never.txt' },
    ];
    const command = `printf 'hello\\n' > ../outputs/out.txt && : > "../outputs/it's empty" && mkdir -p ../outputs/sub && printf 'x%.0s' $(seq 1 5000) > '../outputs/sub/dir name.bin'; exit 3`;
    const { code, manifest } = await runJob(`(${command})`, outputs);
    expect(code).toBe(3);
    const entries = parseManifest(manifest);
    expect(entries).toEqual([
      { name: 'out.txt', size: 6, sha256: sha('hello\n') },
      { name: "it's empty", size: 0, sha256: sha('') },
      { name: 'sub/dir name.bin', size: 5000, sha256: sha('x'.repeat(5000)) },
      { name: 'never.txt' },
    ]);
    expect(
      verifyManifest(entries, [
        { name: 'out.txt', size: 6, sha256: sha('hello\n') },
        { name: 'sub/dir name.bin', size: 4096, sha256: sha('x'.repeat(4096)) },
        { name: "it's empty", size: 0, sha256: sha('x') },
        { name: 'never.txt', size: 0, sha256: sha('') },
        { name: 'stray.txt', size: 1, sha256: sha('y') },
      ]),
    ).toEqual([
      { name: 'sub/dir name.bin', problem: 'size', expected: '5000', actual: '4096' },
      { name: "it's empty", problem: 'sha256', expected: sha(''), actual: sha('x') },
      { name: 'never.txt', problem: 'not-produced' },
      { name: 'stray.txt', problem: 'missing-from-manifest' },
    ]);
  });

  it('keeps a zero exit code zero', async () => {
    const { code } = await runJob('true', [{ name: 'a', path: '../outputs/a' }]);
    expect(code).toBe(0);
  });

  /** A PATH dir holding the snippet's basic utilities and `tools` (links to the real ones, or fake scripts). */
  async function pathWith(label: string, tools: Record<string, string | true>): Promise<string> {
    const bin = join(dir, `bin-${label}`);
    await mkdir(bin);
    const real = async (tool: string): Promise<string> => (await run('/bin/sh', ['-c', `command -v ${tool}`])).stdout.trim();
    for (const tool of ['wc', 'mv', 'printf', 'cat']) {
      const found = await real(tool).catch(() => '');
      if (found.startsWith('/')) await symlink(found, join(bin, tool));
    }
    for (const [tool, fake] of Object.entries(tools)) {
      if (fake === true) await symlink(await real(tool), join(bin, tool));
      else await writeFile(join(bin, tool), `#!/bin/sh\n${fake}\n`, { mode: 0o755 });
    }
    return bin;
  }

  it('hashes with openssl, sha256sum or shasum, whichever is the only one on the PATH', async () => {
    // shasum is a perl script: perl comes with it.
    for (const tools of [['openssl'], ['sha256sum'], ['shasum', 'perl']]) {
      const bin = await pathWith(tools[0] as string, Object.fromEntries(tools.map((t) => [t, true])));
      const { code, manifest } = await runJob("(printf 'abc' > ../outputs/a; exit 7)", [{ name: 'a', path: '../outputs/a' }, { name: 'b', path: '../outputs/b' }], { PATH: bin });
      expect(code, tools[0]).toBe(7);
      expect(parseManifest(manifest), tools[0]).toEqual([{ name: 'a', size: 3, sha256: sha('abc') }, { name: 'b' }]);
    }
  });

  it('prefers openssl for a file over 1 MiB and sha256sum for a smaller one, and falls through a hasher that fails or prints no digest', async () => {
    // Fakes that answer with a digest naming themselves: the manifest shows which tool hashed each file.
    const answers = (tool: string) => `cat > /dev/null; echo ${sha(tool)}  -`;
    const fails = 'exit 1';
    const garbage = 'echo "unknown option -r"; echo "SHA256(stdin)= xyz"';
    const hashedBy = async (label: string, tools: Record<string, string>): Promise<string[]> => {
      await mkdir(join(dir, 'outputs'), { recursive: true });
      await writeFile(join(dir, 'outputs', 'big'), new Uint8Array(1024 * 1024 + 1));
      await writeFile(join(dir, 'outputs', 'small'), new Uint8Array(1024 * 1024));
      const outputs = [{ name: 'big', path: '../outputs/big' }, { name: 'small', path: '../outputs/small' }];
      const { code, manifest } = await runJob('(exit 2)', outputs, { PATH: await pathWith(label, tools) });
      expect(code, label).toBe(2);
      const entries = parseManifest(manifest);
      expect(entries.map((e) => e.size), label).toEqual([1024 * 1024 + 1, 1024 * 1024]);
      return entries.map((e) => ['openssl', 'sha256sum', 'shasum'].find((tool) => sha(tool) === e.sha256) ?? 'none');
    };
    const all = { openssl: answers('openssl'), sha256sum: answers('sha256sum'), shasum: answers('shasum') };
    expect(await hashedBy('all', all)).toEqual(['openssl', 'sha256sum']);
    expect(await hashedBy('openssl-fails', { ...all, openssl: fails })).toEqual(['sha256sum', 'sha256sum']);
    expect(await hashedBy('openssl-garbage', { ...all, openssl: garbage })).toEqual(['sha256sum', 'sha256sum']);
    expect(await hashedBy('sha256sum-garbage', { ...all, sha256sum: garbage })).toEqual(['openssl', 'openssl']);
    expect(await hashedBy('shasum-last', { ...all, openssl: fails, sha256sum: fails })).toEqual(['shasum', 'shasum']);
  });

  it('writes a manifest that parsing refuses when no hasher works (never a wrong digest)', async () => {
    const bin = await pathWith('none', { openssl: 'exit 1' });
    const { code, manifest } = await runJob("(printf 'abc' > ../outputs/a; exit 5)", [{ name: 'a', path: '../outputs/a' }], { PATH: bin });
    expect(code).toBe(5);
    expect(() => parseManifest(manifest)).toThrow(ProtocolError);
  });

  it('rejects a manifest that was cut short or damaged', () => {
    const good = `pulsar-network-manifest 1\n${sha('a')} 1 a\n${sha('b')} 1 b\nend 2\n`;
    expect(parseManifest(good)).toHaveLength(2);
    const damaged = [
      good.slice(0, good.indexOf('end')),
      good.slice(0, 40),
      '',
      good.replace('end 2', 'end 3'),
      good.replace(' 1 a', ' x a'),
      good.replace('pulsar-network-manifest 1', 'something else'),
      good.replace(`${sha('b')} 1 b`, `${sha('b')} 1 a`),
    ];
    for (const text of damaged) expect(() => parseManifest(text), JSON.stringify(text)).toThrow(ProtocolError);
  });

  it('refuses names that would break the format', () => {
    expect(() => manifestScript([{ name: 'a\nb', path: 'x' }], 'm')).toThrow(ValidationError);
    expect(() => manifestScript([{ name: 'a', path: '' }], 'm')).toThrow(ValidationError);
  });

  it('quotes for sh', () => {
    expect(shellQuote("a'b c")).toBe(`'a'\\''b c'`);
  });
});
