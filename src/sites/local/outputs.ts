/**
 * Delivering a finished job's outputs to local paths and `file://` URLs,
 * with their sizes and sha256. Node-only.
 * @module
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { JobOutput } from '../../contracts/job-spec.js';
import { fileSink } from '../../transfer/node/file-sink.js';
import { fileSource } from '../../transfer/node/file-source.js';
import { transfer } from '../../transfer/transfer.js';
import type { CollectedOutput } from '../site.js';
import type { TransferProgress } from '../../transfer/progress.js';
import { isContained } from './contained.js';
import { globFiles } from './glob.js';
import { hasWildcard, type PathMap } from '../../executor/paths.js';
import type { LocalLocation } from '../../executor/validate.js';

/** What delivering the outputs gave. */
export interface Delivery {
  outputs: CollectedOutput[];
  /** One message per output that could not be delivered. */
  problems: string[];
}

/**
 * Copies each output to its destination: a file; every file of a directory;
 * or, for a path with wildcards, every matching file to `url` + its path
 * without `path_prefix` (TES 1.1). A missing file or directory is a problem;
 * a pattern that matches nothing is not.
 */
export async function deliverOutputs(
  outputs: readonly JobOutput[],
  ctx: { map: PathMap; locate: (url: string) => LocalLocation | undefined; onTransfer?: (p: TransferProgress) => void; signal?: AbortSignal },
): Promise<Delivery> {
  const delivery: Delivery = { outputs: [], problems: [] };
  for (const output of outputs) {
    const where = ctx.locate(output.url);
    if (where?.kind !== 'file') {
      delivery.problems.push(`output ${output.path}: cannot deliver to ${output.url}`);
      continue;
    }
    let files: Array<[from: string, to: string, path: string]>;
    if (hasWildcard(output.path)) {
      // TES 1.1: each match goes to url + (its path without path_prefix).
      const prefix = (output.path_prefix ?? '').replace(/\/+$/, '');
      files = (await globFiles(ctx.map.root, output.path)).map((path) => [ctx.map.host(path), join(where.path, path.slice(prefix.length)), path]);
    } else {
      const source = ctx.map.host(output.path);
      let info;
      try {
        info = await stat(source);
      } catch {
        delivery.problems.push(`output ${output.path} was not produced by the executors`);
        continue;
      }
      files = info.isDirectory()
        ? (await listFiles(source)).map((file) => {
            const rel = relative(source, file);
            return [file, join(where.path, rel), `${output.path.replace(/\/+$/, '')}/${rel.split('\\').join('/')}`];
          })
        : [[source, where.path, output.path]];
    }
    for (const [from, to, path] of files) {
      // a task may leave links to host files: only what lies in the job directory leaves it
      if (!(await isContained(from, ctx.map.root))) {
        delivery.problems.push(`output ${path} is a link out of the job directory; it was not delivered`);
        continue;
      }
      try {
        const { size, sha256 } = await transfer({
          from: await fileSource(from),
          to: fileSink(to, { name: to }),
          direction: 'down',
          limiter: false,
          ...(ctx.onTransfer ? { onProgress: ctx.onTransfer } : {}),
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
        delivery.outputs.push({ path, url: to, sizeBytes: size, sha256 });
      } catch (error) {
        delivery.problems.push(`output ${path} could not be written to ${to}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return delivery;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
