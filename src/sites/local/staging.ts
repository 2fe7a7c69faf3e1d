/**
 * Staging a job's inputs into its directory: inline content, local files and
 * directories, and http(s) URLs. Node-only.
 * @module
 */
import { cp, stat } from 'node:fs/promises';
import { AbortError, TransferError } from '../../errors.js';
import type { HttpClientOptions } from '../../http/index.js';
import type { JobInput } from '../../contracts/job-spec.js';
import { redactUrl } from '../../redact.js';
import { fileSink } from '../../transfer/node/file-sink.js';
import { fileSource } from '../../transfer/node/file-source.js';
import { bytesSource } from '../../transfer/sources.js';
import { transfer } from '../../transfer/transfer.js';
import type { TransferSource } from '../../transfer/types.js';
import { urlSourceFor } from '../../transfer/url-source.js';
import type { TransferProgress } from '../../transfer/progress.js';
import type { PathMap } from '../../executor/paths.js';
import type { LocalLocation } from '../../executor/validate.js';

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
  const url = input.url ?? '';
  const where = typeof input.content === 'string' ? undefined : ctx.locate(url);
  const shown = where?.kind === 'http' ? redactUrl(url) : url;
  try {
    let from: TransferSource;
    if (typeof input.content === 'string') {
      from = bytesSource(new TextEncoder().encode(input.content), file);
    } else if (where?.kind === 'file') {
      if ((await stat(where.path)).isDirectory()) {
        await cp(where.path, dest, { recursive: true });
        ctx.onTransfer?.({ direction: 'up', file, bytesDone: 0, done: true });
        return;
      }
      from = await fileSource(where.path, file);
    } else if (where?.kind === 'http') {
      from = urlSourceFor(url, { name: file, ...(ctx.http ? { http: ctx.http } : {}) });
    } else {
      throw new Error(`cannot read ${shown}`);
    }
    // Inputs go up to the job, as they would to a remote site.
    await transfer({
      from,
      to: fileSink(dest, { name: file }),
      direction: 'up',
      limiter: false,
      ...(ctx.onTransfer ? { onProgress: ctx.onTransfer } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (error) {
    if (error instanceof AbortError || error instanceof TransferError) throw error;
    if (ctx.signal?.aborted) throw new AbortError(`staging ${file}`, { cause: error });
    const reason = error instanceof Error ? error.message : String(error);
    throw new TransferError({ file: shown ? `${file} (from ${shown})` : file, bytesDone: 0, attempts: 1, reason }, { cause: error });
  }
}
