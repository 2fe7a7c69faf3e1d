/**
 * Staging a job's inputs into its directory: inline content, local files and
 * directories, and http(s) URLs. Node-only.
 * @module
 */
import { cp, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { AbortError, TransferError } from '../../errors.js';
import { HttpClient, type HttpClientOptions } from '../../http/index.js';
import type { JobInput } from '../../jobs/spec.js';
import { redactUrl } from '../../redact.js';
import type { TransferProgress } from '../site.js';
import { copyFile, writeBytes, writeStream } from './files.js';
import type { PathMap } from './paths.js';
import type { LocalLocation } from './validate.js';

/** What staging needs besides the inputs. */
export interface StagingContext {
  map: PathMap;
  locate: (url: string) => LocalLocation | undefined;
  http?: Omit<HttpClientOptions, 'baseUrl'>;
  onTransfer?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
}

/** Puts every input at its mapped path, one after the other. */
export async function stageInputs(inputs: readonly JobInput[], ctx: StagingContext): Promise<void> {
  for (const input of inputs) await stageInput(input, ctx);
}

async function stageInput(input: JobInput, ctx: StagingContext): Promise<void> {
  const dest = ctx.map.host(input.path);
  const file = input.path;
  const report = (bytesDone: number, bytesTotal: number | undefined, done: boolean): void => {
    const progress: TransferProgress = { direction: 'up', file, bytesDone, done };
    if (bytesTotal !== undefined) progress.bytesTotal = bytesTotal;
    ctx.onTransfer?.(progress);
  };
  if (typeof input.content === 'string') {
    const bytes = new TextEncoder().encode(input.content);
    await writeBytes(bytes, dest);
    report(bytes.byteLength, bytes.byteLength, true);
    return;
  }
  const url = input.url ?? '';
  const where = ctx.locate(url);
  const shown = where?.kind === 'http' ? redactUrl(url) : url;
  let bytesDone = 0;
  try {
    if (where?.kind === 'file') {
      const info = await stat(where.path);
      if (info.isDirectory()) {
        await cp(where.path, dest, { recursive: true });
        report(0, undefined, true);
        return;
      }
      report(0, info.size, false);
      const { sizeBytes } = await copyFile(where.path, dest, (n) => report((bytesDone = n), info.size, false), ctx.signal);
      report(sizeBytes, info.size, true);
    } else if (where?.kind === 'http') {
      // fetch refuses URLs with credentials: they travel as basic auth instead.
      const target = new URL(url);
      const options: HttpClientOptions = { ...ctx.http, baseUrl: new URL('/', target) };
      if (target.username || target.password) {
        options.auth = { type: 'basic', username: decodeURIComponent(target.username), password: decodeURIComponent(target.password) };
        target.username = '';
        target.password = '';
      }
      const client = new HttpClient(options);
      await client.request({
        url: target,
        streaming: true,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        read: async (response, signal) => {
          const total = Number(response.headers.get('content-length') ?? Number.NaN);
          const bytesTotal = Number.isFinite(total) ? total : undefined;
          report(0, bytesTotal, false);
          if (!response.body) throw new Error('the response has no body');
          const body = Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>);
          const { sizeBytes } = await writeStream(body, dest, (n) => report((bytesDone = n), bytesTotal, false), signal);
          report(sizeBytes, bytesTotal, true);
        },
      });
    } else {
      throw new Error(`cannot read ${shown}`);
    }
  } catch (error) {
    if (error instanceof AbortError || error instanceof TransferError) throw error;
    if (ctx.signal?.aborted) throw new AbortError(`staging ${file}`, { cause: error });
    const reason = error instanceof Error ? error.message : String(error);
    throw new TransferError({ file: `${file} (from ${shown})`, bytesDone, attempts: 1, reason }, { cause: error });
  }
}

