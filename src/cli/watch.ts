/**
 * `submit --watch`: a job's events as lines, JSON lines, or lines under
 * redrawn progress bars on a terminal.
 * @module
 */
import type { JobEvent } from '../jobs/events.js';
import type { CliIo } from './commands.js';
import { eventLine, liveBlock, progressBar, type TransferBar } from './render.js';

/** Prints a job's events to the end: lines, JSON lines, or lines plus redrawn progress bars on a terminal. */
export async function watch(events: AsyncIterable<JobEvent>, io: CliIo, json: boolean): Promise<void> {
  const bars = new Map<string, TransferBar>();
  let state = 'queued';
  let drawn = 0;
  const clear = (): void => {
    if (drawn > 0) io.out(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const draw = (): void => {
    const lines = liveBlock(state, bars.values());
    io.out(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  for await (const event of events) {
    if (json) {
      io.out(`${JSON.stringify(eventJson(event))}\n`);
      continue;
    }
    if (event.type === 'state') state = event.state;
    if (event.type === 'transfer') bars.set(`${event.direction}:${event.file}`, { file: event.file, direction: event.direction, bytesDone: event.bytesDone, ...(event.bytesTotal === undefined ? {} : { bytesTotal: event.bytesTotal }), done: event.done });
    const line = eventLine(event);
    if (!io.isTTY) {
      if (line) io.out(`${line}\n`);
      continue;
    }
    clear();
    if (event.type === 'done') {
      // the bars stay on screen, complete, above the last line
      for (const bar of bars.values()) io.out(`${progressBar(bar)}\n`);
      if (line) io.out(`${line}\n`);
      break;
    }
    if (line) io.out(`${line}\n`);
    draw();
  }
}

function eventJson(event: JobEvent): Record<string, unknown> {
  switch (event.type) {
    case 'error':
      return { type: 'error', time: event.time, fatal: event.fatal, message: event.error.message };
    case 'site': {
      const { detail: _detail, ...rest } = event;
      return rest;
    }
    case 'done':
      return { type: 'done', time: event.time, state: event.result.state, exitCodes: event.result.exitCodes, outputs: event.result.outputs };
    default:
      return { ...event };
  }
}
