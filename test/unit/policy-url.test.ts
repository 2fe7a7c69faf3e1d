import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../src/index.js';
import { baseUrlRules, canonicalPathSync, compileUrlRules, mergeUrlRules, nodeUrlPolicyEnvironment, urlRulesProblems, type UrlPolicyEnvironment, type UrlRules } from '../../src/internal.js';
import { checkJobUrls } from '../../src/node.js';

let dir: string;
let root: string;
let outside: string;
const names: Record<string, string[]> = { 'data.example': ['93.184.215.14'], 'sneaky.example': ['93.184.215.14', '127.0.0.1'], 'metadata.example': ['169.254.169.254'], 'lab.internal': ['10.1.2.3'] };
const resolver = async (host: string): Promise<string[]> => {
  const found = names[host];
  if (!found) throw Object.assign(new Error(`no ${host}`), { code: 'ENOTFOUND' });
  return found;
};

beforeAll(async () => {
  dir = canonicalPathSync(await mkdtemp(join(tmpdir(), 'url-policy-')));
  root = join(dir, 'root');
  outside = join(dir, 'outside');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(root, 'in.txt'), 'in');
  await writeFile(join(outside, 'secret.txt'), 'secret');
  await symlink(join(outside, 'secret.txt'), join(root, 'link-to-secret'));
  await symlink(outside, join(root, 'link-to-outside'));
  await symlink(join(dir, 'nothing-here'), join(root, 'dangling'));
  await writeFile(join(dir, 'gateway.db'), '');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function env(): UrlPolicyEnvironment {
  return nodeUrlPolicyEnvironment({ cwd: root, protect: [join(dir, 'gateway.db'), join(dir, 'gateway.db-wal'), join(root, 'sub', 'state')], resolver, probeRedirects: false });
}

function rules(urls: UrlRules = {}): ReturnType<typeof compileUrlRules> {
  return compileUrlRules(baseUrlRules(urls), (p) => canonicalPathSync(p));
}

async function check(spec: Partial<JobSpec>, urls?: UrlRules): Promise<{ paths: string[]; messages: string[]; spec: JobSpec }> {
  const result = await checkJobUrls({ executors: [{ image: 'alpine', command: ['true'] }], ...spec }, rules(urls), env());
  return { paths: result.issues.map((i) => i.path), messages: result.issues.map((i) => i.message), spec: result.spec };
}

const input = (url: string, type?: 'FILE' | 'DIRECTORY') => ({ inputs: [{ path: '/data/x', url, ...(type && { type }) }] });
const output = (url: string, extra: Record<string, string> = {}) => ({ outputs: [{ path: '/out/x', url, ...extra }] });
const withRoot: UrlRules = { inputs: { roots: [] }, outputs: { roots: [] } };

describe('the URL policy on local files', () => {
  beforeAll(() => {
    withRoot.inputs = { roots: [root] };
    withRoot.outputs = { roots: [root] };
  });

  it('refuses every local file when no root is configured (the default), naming the field and the rule', async () => {
    for (const url of ['file:///etc/passwd', '/etc/hostname', 'in.txt', `file://${join(root, 'in.txt')}`]) {
      const { paths, messages } = await check(input(url));
      expect(paths).toEqual(['$.inputs[0].url']);
      expect(messages[0]).toMatch(/^refused by rule file-roots: .* local inputs are allowed only anywhere \(no file roots are configured\)$/);
    }
    const { paths, messages } = await check(output('/tmp/anything'));
    expect(paths).toEqual(['$.outputs[0].url']);
    expect(messages[0]).toMatch(/^refused by rule file-roots: /);
  });

  it('admits files under a root, rewritten to their canonical form (relative paths against the working directory)', async () => {
    const a = await check({ ...input('in.txt'), ...output('sub/new/result.txt') }, withRoot);
    expect(a.paths).toEqual([]);
    expect(a.spec.inputs?.[0]?.url).toBe(join(root, 'in.txt'));
    expect(a.spec.outputs?.[0]?.url).toBe(join(root, 'sub/new/result.txt'));
    const b = await check(input(`FILE://localhost${join(root, 'in.txt')}`), withRoot);
    expect(b.paths).toEqual([]);
    expect(b.spec.inputs?.[0]?.url).toBe(`file://${join(root, 'in.txt')}`);
  });

  it('refuses .. and symbolic-link escapes, percent-encoded ones too', async () => {
    const escapes = [
      `${root}/../outside/secret.txt`,
      `file://${root}/sub/../../outside/secret.txt`,
      `file://${root}/%2e%2e/outside/secret.txt`,
      `${root}/link-to-secret`,
      `file://${root}/link-to-outside/secret.txt`,
      'link-to-outside/secret.txt',
    ];
    for (const url of escapes) {
      const { messages } = await check(input(url), withRoot);
      expect(messages, url).toEqual([expect.stringMatching(new RegExp(`^refused by rule file-roots: ${outside}/secret\\.txt is not readable here`))]);
    }
    // an output whose parent does not exist yet, below a link that leads out
    const { messages } = await check(output(`${root}/link-to-outside/new/dir/out.txt`), withRoot);
    expect(messages).toEqual([expect.stringMatching(new RegExp(`^refused by rule file-roots: ${outside}/new/dir/out\\.txt is not writable here`))]);
  });

  it('refuses a dangling link (where it would lead cannot be checked), another host, an encoded slash and a NUL', async () => {
    const cases: Array<[string, RegExp]> = [
      [`${root}/dangling/out.txt`, /^refused by rule malformed-url: cannot be resolved on this host \(EDANGLING\)$/],
      ['file://otherhost/etc/passwd', /^refused by rule file-host: names the host "otherhost"/],
      [`file://${root}/a%2F..%2F..%2Foutside%2Fsecret.txt`, /^refused by rule malformed-url: is not a file URL this host can open/],
      [`${root}/in.txt\u0000.png`, /^refused by rule malformed-url: contains a NUL character$/],
    ];
    for (const [url, message] of cases) expect((await check(output(url), withRoot)).messages, url).toEqual([expect.stringMatching(message)]);
  });

  it('never lets a job read or write the gateway’s own files, whatever the roots say', async () => {
    const everything: UrlRules = { inputs: { roots: ['/'] }, outputs: { roots: ['/'] } };
    for (const url of [join(dir, 'gateway.db'), `file://${dir}/gateway.db-wal`, join(root, 'sub/state/x.json')]) {
      expect((await check(output(url), everything)).messages).toEqual([expect.stringMatching(/^refused by rule protected-path: .* a file of the gateway itself/)]);
      expect((await check(input(url), everything)).messages).toEqual([expect.stringMatching(/^refused by rule protected-path: /)]);
    }
    // a directory output (or a pattern) whose files would land on a protected file
    expect((await check({ outputs: [{ path: '/out', url: dir, type: 'DIRECTORY' }] }, everything)).messages).toEqual([expect.stringMatching(/^refused by rule protected-path: .* holds a file of the gateway itself/)]);
    expect((await check({ outputs: [{ path: '/out/*.txt', path_prefix: '/out', url: `${root}/sub` }] }, everything)).messages).toEqual([expect.stringMatching(/^refused by rule protected-path: /)]);
    expect((await check({ outputs: [{ path: '/out/x', url: join(root, 'sub', 'ok.txt') }] }, everything)).paths).toEqual([]);
  });
});

describe('the URL policy on schemes and addresses', () => {
  it('accepts per direction only the schemes allowed, and only content inputs need none', async () => {
    expect((await check({ inputs: [{ path: '/x', content: 'hi' }] })).paths).toEqual([]);
    expect((await check(input('s3://bucket/key'))).messages).toEqual(['refused by rule scheme: inputs may not use "s3" (allowed: file, http, https)']);
    expect((await check(output('https://data.example/upload'))).messages).toEqual(['refused by rule scheme: outputs may not use "https" (allowed: file)']);
    expect((await check(input('s3://bucket/key'), { inputs: { schemes: ['s3'] } })).paths).toEqual([]);
    // the operator's list replaces the default
    expect((await check(input('https://data.example/x'), { inputs: { schemes: ['s3'] } })).messages[0]).toMatch(/^refused by rule scheme/);
  });

  it('fetches http(s) inputs only from public addresses, checking every address a name resolves to', async () => {
    expect((await check(input('https://data.example/x'))).paths).toEqual([]);
    const refused: Array<[string, RegExp]> = [
      ['http://127.0.0.1:8080/', /^refused by rule private-address: 127\.0\.0\.1, a loopback address/],
      ['http://2130706433/', /127\.0\.0\.1, a loopback address/],
      ['http://0x7f.1/', /127\.0\.0\.1, a loopback address/],
      ['http://[::1]/', /::1, a loopback address/],
      ['http://[::ffff:127.0.0.1]/', /::ffff:7f00:1, a loopback address/],
      ['http://0.0.0.0/', /0\.0\.0\.0, an unspecified address/],
      ['http://[::]/', /::, an unspecified address/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254, a metadata address/],
      ['http://[fd00:ec2::254]/', /fd00:ec2::254, a metadata address/],
      ['http://192.168.0.1/', /a private address/],
      ['http://sneaky.example/', /sneaky\.example resolves to 127\.0\.0\.1, a loopback address/],
      ['http://metadata.example/', /metadata\.example resolves to 169\.254\.169\.254, a metadata address/],
      ['HTTP://LAB.INTERNAL/x', /lab\.internal resolves to 10\.1\.2\.3, a private address/],
    ];
    for (const [url, message] of refused) expect((await check(input(url))).messages, url).toEqual([expect.stringMatching(message)]);
    expect((await check(input('http://nowhere.example/'))).messages).toEqual(['refused by rule unresolvable-host: nowhere.example does not resolve here, so where it leads cannot be checked']);
  });

  it('an operator allows addresses, ranges or host names', async () => {
    expect((await check(input('http://lab.internal/x'), { inputs: { allow: ['10.0.0.0/8'] } })).paths).toEqual([]);
    expect((await check(input('http://lab.internal/x'), { inputs: { allow: ['*.internal'] } })).paths).toEqual([]);
    expect((await check(input('http://127.0.0.1:9/'), { inputs: { allow: ['127.0.0.1'] } })).paths).toEqual([]);
    expect((await check(input('http://10.9.9.9/'), { inputs: { allow: ['10.1.0.0/16'] } })).paths).toHaveLength(1);
  });

  it('a client or site layer adds to the gateway’s rules, never takes away', () => {
    const base = rules({ inputs: { schemes: ['https'] } });
    const client = compileUrlRules({ inputs: { schemes: ['s3'], roots: [root] } }, (p) => p);
    const merged = mergeUrlRules(base, client);
    expect([...merged.inputs.schemes].sort()).toEqual(['https', 's3']);
    expect(merged.inputs.roots).toEqual([root]);
  });

  it('malformed rules are named with their path', () => {
    expect(urlRulesProblems({ inputs: { roots: ['rel'], allow: ['10.0.0.0/40', 'bad host!'], schemes: ['S3'] }, sideways: {} }, '$.urls').map((p) => p.path)).toEqual([
      '$.urls.inputs.roots[0]',
      '$.urls.inputs.allow[0]',
      '$.urls.inputs.allow[1]',
      '$.urls.inputs.schemes[0]',
      '$.urls.sideways',
    ]);
  });
});
