// Acceptance 1: through the chaos proxy (20% faults, fixed seed) transfers
// against a REAL Pulsar server end byte-identical: 50 files of 0 B, 1 B,
// 1 MiB and 100 MiB, uploads and downloads, all moved by PulsarClient through
// staging (runStagedJob). The staged command ends with the output-manifest
// step; collection checks every download against it, and an output cut short
// without an error (Pulsar sends no Content-Length) is caught by the manifest
// and fetched again.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpFetch, runStagedJob, type PulsarStagedJob } from '../../src/node.js';
import { collectOutputs, HostLimiter } from '../../src/internal.js';
import { PulsarClient } from '../../src/pulsar-entry.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { type ChaosProxy, startChaosProxy } from '../support/chaos-proxy.js';

const MIB = 1024 * 1024;
// 25 inputs go up, the job copies each to an output, and 25 outputs come down: 50 files.
const SIZES = [100 * MIB, ...Array<number>(8).fill(MIB), ...Array<number>(8).fill(1), ...Array<number>(8).fill(0)];
const SEED = 20260520;
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
/** File bodies only (`/jobs/{id}/files?…`, not `/files/path`): job control is not what this test breaks. */
const isFileTransfer = (request: { path: string }): boolean => /\/files\?/.test(request.path);

let pulsar: PulsarServer;
let proxy: ChaosProxy;
let local: string;
const inputs: Array<{ name: string; path: string; sha256: string; size: number }> = [];

beforeAll(async () => {
  local = await mkdtemp(join(tmpdir(), 'pn-pulsar-chaos-'));
  await mkdir(join(local, 'in'));
  for (const [i, size] of SIZES.entries()) {
    const bytes = new Uint8Array(size);
    // Cheap, distinct content per file.
    for (let at = 0; at < size; at += 4096) bytes[at] = (i * 31 + at / 4096) & 0xff;
    if (size > 0) bytes[size - 1] = i;
    const name = `in-${String(i).padStart(2, '0')}-${size}.bin`;
    const path = join(local, 'in', name);
    await writeFile(path, bytes);
    inputs.push({ name, path, sha256: sha(bytes), size });
  }
  pulsar = await startPulsar();
  proxy = await startChaosProxy({ target: pulsar.url, seed: SEED, rate: 0.2, stallMs: 3000, eligible: isFileTransfer });
});

afterAll(async () => {
  await proxy?.close();
  await pulsar?.stop();
  await rm(local, { recursive: true, force: true });
});

/** A client whose every request goes through `via`, retrying quickly and giving up on a stall after 1.5 s. */
const clientVia = (via: { url: string }): PulsarClient =>
  new PulsarClient({
    url: via.url,
    token: pulsar.token ?? undefined,
    fetch: nodeHttpFetch,
    retry: { minDelay: 20, maxDelay: 500, retries: 12 },
    idleTimeout: 1500,
    transferLimiter: new HostLimiter(3),
  });

describe('PulsarClient and staging against a real Pulsar through the chaos proxy (acceptance 1)', () => {
  it('uploads 25 inputs and collects 25 outputs byte-identical, each verified by the job manifest', async () => {
    const client = clientVia(proxy);
    const outputs = inputs.map((input) => join(local, 'out', input.name.replace(/^in-/, 'out-')));
    const job: PulsarStagedJob = {
      jobId: 'chaos-transfers',
      commandLine: inputs.map((input, i) => `cp ${input.path} ${outputs[i]}`).join(' && '),
      inputs: inputs.map((input) => ({ path: input.path })),
      outputs,
      cleanup: 'never',
    };
    const result = await runStagedJob(client, job, { interval: 200, timeout: 180_000 });
    expect(result.status.status).toBe('complete');
    expect(result.status.returnCode).toBe(0);
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);

    // Up: what the SDK hashed while sending is the local file's sha256.
    const sent = new Map(result.uploads.map((u) => [u.name, u]));
    expect(sent.size).toBe(inputs.length);
    for (const input of inputs) expect(sent.get(input.name)?.sha256, input.name).toBe(input.sha256);

    // Down: every output verified against the manifest, and byte-identical on disk.
    expect(result.collected).toHaveLength(outputs.length);
    for (const [i, input] of inputs.entries()) {
      const got = result.collected.find((c) => c.destination === outputs[i]);
      expect(got?.verified, outputs[i]).toBe(true);
      expect(got?.sha256, outputs[i]).toBe(input.sha256);
      expect(sha(await readFile(outputs[i]!)), outputs[i]).toBe(input.sha256);
    }
    // No temporary file is left beside the outputs.
    expect((await readdir(join(local, 'out'))).filter((n) => n.endsWith('.partial'))).toEqual([]);

    // Faults were injected, both into uploads and into downloads, and some transfer needed a second attempt.
    expect(proxy.total).toBeGreaterThan(0);
    expect(proxy.injected.some((f) => f.method === 'POST')).toBe(true);
    expect(proxy.injected.some((f) => f.method === 'GET')).toBe(true);
    expect(result.collected.some((c) => c.attempts > 1)).toBe(true);
    console.log(`chaos proxy: ${proxy.requests} requests, faults ${JSON.stringify(proxy.counts)}`);

    // A truncated Pulsar output, for certain: the first answer for one 1 MiB output ends early without an error.
    const name = outputs[1]!.split('/').pop()!;
    let cuts = 0;
    const cutter = await startChaosProxy({
      target: pulsar.url,
      seed: SEED,
      rate: 1,
      faults: ['truncate'],
      eligible: (request) => isFileTransfer(request) && request.path.includes(`name=${name}`) && cuts++ === 0,
    });
    try {
      const again = join(local, 'again', name);
      const { collected, failures } = await collectOutputs(clientVia(cutter), result.status, { ...job, outputs: [again] });
      expect(failures).toEqual([]);
      expect(cutter.counts.truncate).toBe(1);
      expect(collected).toHaveLength(1);
      expect(collected[0]).toMatchObject({ verified: true, attempts: 2, sha256: inputs[1]!.sha256, size: MIB });
      expect(sha(await readFile(again))).toBe(inputs[1]!.sha256);
    } finally {
      await cutter.close();
    }
    await clientVia(pulsar).clean(result.jobId);
    expect(await readdir(join(local, 'again'))).toEqual([name]);
    expect(existsSync(join(local, 'again', name))).toBe(true);
  });
});
