/**
 * `LocalSite.readLogs`: the executors' log files of a job directory, read
 * from the offsets of the cursor. Node-only.
 * @module
 */
import { readLogStreams, type LogStream } from '../log-reader.js';
import type { LogRead, ReadLogsOptions } from '../site.js';
import { openContained } from './contained.js';
import type { LocalJobRecord } from './record.js';

/**
 * What each executor's stdout and stderr files gained since `cursor`; `dir`
 * is the job directory, out of which no link is followed.
 */
export function readLocalLogs(record: LocalJobRecord, dir: string, cursor: string | undefined, options: ReadLogsOptions = {}): Promise<LogRead> {
  const pathOf = (s: LogStream): string | undefined => record.logFiles[s.executor]?.[s.stream];
  const streams = record.logFiles.flatMap((_, executor): LogStream[] => [
    { executor, stream: 'stdout' },
    { executor, stream: 'stderr' },
  ]);
  return readLogStreams(
    {
      streams,
      size: async (s) => {
        const path = pathOf(s);
        const handle = path === undefined ? undefined : await openContained(path, dir);
        if (!handle) return undefined;
        try {
          return (await handle.stat()).size;
        } finally {
          await handle.close();
        }
      },
      read: async (s, position, length) => {
        const handle = await openContained(pathOf(s) as string, dir);
        if (!handle) return new Uint8Array(0);
        try {
          const buffer = new Uint8Array(length);
          const { bytesRead } = await handle.read(buffer, 0, length, position);
          return buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      },
    },
    cursor,
    options,
  );
}
