/**
 * `LocalSite.readLogs`: the executors' log files of a job directory, read
 * from the offsets of the cursor. Node-only.
 * @module
 */
import { open, stat } from 'node:fs/promises';
import { readLogStreams, type LogStream } from '../log-reader.js';
import type { LogRead, ReadLogsOptions } from '../site.js';
import type { LocalJobRecord } from './record.js';

/** What each executor's stdout and stderr files gained since `cursor`. */
export function readLocalLogs(record: LocalJobRecord, cursor: string | undefined, options: ReadLogsOptions = {}): Promise<LogRead> {
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
        return path === undefined ? undefined : stat(path).then((st) => st.size, () => undefined);
      },
      read: async (s, position, length) => {
        const handle = await open(pathOf(s) as string, 'r');
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
