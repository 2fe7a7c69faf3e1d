// Acceptance 1: through the chaos proxy (20% faults, fixed seed) transfers
// against a REAL Pulsar server end byte-identical: 50 files of 0 B, 1 B,
// 1 MiB and 100 MiB, uploads and downloads; the job writes an output manifest
// as its last step, every download is checked against it, and an output cut
// short without an error (Pulsar sends no Content-Length) is caught by the
// manifest and fetched again.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSink, fileSource } from '../../src/node/index.js';
import { PulsarClient } from '../../src/pulsar/index.js';
import {
  HostLimiter,
  manifestScript,
  parseManifest,
  shellQuote,
  transfer,
  type TransferResult,
  uploadSink,
  urlSource,
  verifyManifest,
} from '../../src/transfer/index.js';
import { startPulsar, type PulsarServer } from '../peers/pulsar.js';
import { type ChaosProxy, startChaosProxy } from '../support/chaos-proxy.js';

const MIB = 1024 * 1024;
// 25 inputs go up, the job copies each to an output, and 25 outputs come down: 50 files.
const SIZES = [100 * MIB, ...Array<number>(8).fill(MIB), ...Array<number>(8).fill(1), ...Array<number>(8).fill(0)];
const SEED = 20260520;
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let pulsar: PulsarServer;
let proxy: ChaosProxy;
let local: string;
const inputs: Array<{ name: string; path: string; sha256: string; size: number }> = [];

beforeAll(async () => {
  local = await mkdtemp(join(tmpdir(), 'pn-pulsar-chaos-'));
  for (const [i, size] of SIZES.entries()) {
    const bytes = new Uint8Array(size);
    // Cheap, distinct content per file.
    for (let at = 0; at < size; at += 4096) bytes[at] = (i * 31 + at / 4096) & 0xff;
    if (size > 0) bytes[size - 1] = i;
    const name = `in-${String(i).padStart(2, '0')}-${size}.bin`;
    const path = join(local, name);
    await writeFile(path, bytes);
    inputs.push({ name, path, sha256: sha(bytes), size });
  }
  pulsar = await startPulsar();
  proxy = await startChaosProxy({ target: pulsar.url, seed: SEED, rate: 0.2, stallMs: 3000 });
});

afterAll(async () => {
  await proxy?.close();
  await pulsar?.stop();
  await rm(local, { recursive: true, force: true });
});

describe('transfers against a real Pulsar through the chaos proxy (acceptance 1)', () => {
  it('upload 25 inputs and download 25 outputs byte-identical, verified by the job manifest', async () => {
    // Job control goes straight to Pulsar; every byte goes through the proxy.
    const control = new PulsarClient({ url: pulsar.url, token: pulsar.token ?? undefined });
    const data = new PulsarClient({ url: proxy.url, token: pulsar.token ?? undefined });
    const limiter = new HostLimiter(3);
    const retry = { minDelay: 20, maxDelay: 500, retries: 12 };
    const job = await control.setup('chaos-transfers');
    const jobFiles = `jobs/${encodeURIComponent(job.jobId)}/files`;

    const uploads = await Promise.all(
      inputs.map(async (input) =>
        transfer({
          from: await fileSource(input.path),
          to: uploadSink(data.http, { method: 'POST', path: jobFiles, query: { name: input.name, type: 'input' }, name: input.name }),
          limiter,
          retry,
          idleTimeout: 1500,
        }),
      ),
    );
    uploads.forEach((result, i) => expect(result.sha256, inputs[i]!.name).toBe(inputs[i]!.sha256));

    const outputs = inputs.map((input) => ({ name: input.name.replace(/^in-/, 'out-'), path: `../outputs/${input.name.replace(/^in-/, 'out-')}` }));
    const copy = inputs
      .map((input, i) => `cp ${shellQuote(`${job.directories.inputs}${job.separator}${input.name}`)} ${shellQuote(outputs[i]!.path)}`)
      .join(' && ');
    await control.submit(job.jobId, { commandLine: `${copy}\n${manifestScript(outputs, '../outputs/manifest.txt')}` });
    const final = await control.wait(job.jobId, { interval: 200, timeout: 120_000 });
    expect(final.status).toBe('complete');
    expect(final.returnCode).toBe(0);

    // The manifest itself comes through the proxy; a cut-short copy fails to parse and is fetched again.
    const manifestPath = join(local, 'manifest.txt');
    let entries = undefined as ReturnType<typeof parseManifest> | undefined;
    for (let attempt = 0; attempt < 10 && !entries; attempt++) {
      await transfer({
        from: urlSource(data.http, { path: jobFiles, query: { name: 'manifest.txt', type: 'output' }, name: 'manifest.txt' }),
        to: fileSink(manifestPath),
        limiter,
        retry,
        idleTimeout: 1500,
      });
      try {
        entries = parseManifest(await readFile(manifestPath, 'utf8'));
      } catch {
        entries = undefined;
      }
    }
    expect(entries).toBeDefined();
    const manifest = new Map(entries!.map((e) => [e.name, e]));
    expect(entries!.map((e) => e.name)).toEqual(outputs.map((o) => o.name));

    const download = (name: string, to: string, via = data): Promise<TransferResult> => {
      const entry = manifest.get(name)!;
      return transfer({
        from: urlSource(via.http, { path: jobFiles, query: { name, type: 'output' }, name }),
        to: fileSink(to),
        // What the job's manifest says: a body cut short without an error fails this and is fetched again.
        expected: { sha256: entry.sha256!, size: entry.size! },
        limiter,
        retry,
        idleTimeout: 1500,
      });
    };
    const downloads = await Promise.all(outputs.map((output) => download(output.name, join(local, output.name))));

    for (const [i, output] of outputs.entries()) {
      expect(downloads[i]!.sha256, output.name).toBe(inputs[i]!.sha256);
      expect(sha(await readFile(join(local, output.name))), output.name).toBe(inputs[i]!.sha256);
    }
    expect(verifyManifest(entries!, downloads.map((d) => ({ name: d.file, size: d.size, sha256: d.sha256 })))).toEqual([]);
    expect(proxy.total).toBeGreaterThan(0);
    expect([...uploads, ...downloads].some((r) => r.attempts > 1)).toBe(true);

    // A truncated Pulsar output, for certain: cut the first answer for the 1 MiB output short without an error.
    let cuts = 0;
    const cutter = await startChaosProxy({ target: pulsar.url, seed: SEED, rate: 1, faults: ['truncate'], eligible: () => cuts++ === 0 });
    try {
      const viaCutter = new PulsarClient({ url: cutter.url, token: pulsar.token ?? undefined });
      const name = outputs[1]!.name;
      const again = await download(name, join(local, `again-${name}`), viaCutter);
      expect(cutter.counts.truncate).toBe(1);
      expect(again.attempts).toBe(2);
      expect(again.sha256).toBe(inputs[1]!.sha256);
      expect(sha(await readFile(join(local, `again-${name}`)))).toBe(inputs[1]!.sha256);
    } finally {
      await cutter.close();
    }
    await control.clean(job.jobId);
  });
});
