// Shared by the examples: prints a job's events as they come, one line each,
// then its result. Run an example, not this file.
import type { Job } from '../src/index.js';

/** Prints every event of `job` until its end, then the result and its outputs. */
export async function printEvents(job: Job): Promise<void> {
  for await (const event of job.watch()) {
    switch (event.type) {
      case 'state':
        console.log(`state     ${event.previous ?? '-'} -> ${event.state}${event.siteState ? ` (${event.siteState})` : ''}`);
        break;
      case 'transfer':
        if (event.done) console.log(`transfer  ${event.direction === 'up' ? 'staged   ' : 'delivered'} ${event.file} (${event.bytesDone} bytes)`);
        break;
      case 'log':
        console.log(`log       ${event.stream}${event.executor === undefined ? '' : `[${event.executor}]`}: ${event.text.trimEnd().replaceAll('\n', '\n          ')}`);
        break;
      case 'site':
        console.log(`site      ${event.action} ${event.siteId} ${event.remoteId ?? ''} ${event.reason ?? ''}`.trimEnd());
        break;
      case 'error':
        console.log(`error     ${event.fatal ? 'fatal ' : ''}${event.error.message}`);
        break;
      case 'done':
        console.log(`done      ${event.result.state}`);
        break;
    }
  }
  const result = await job.wait();
  console.log('\nresult', { state: result.state, exitCodes: result.exitCodes, states: result.history.map((h) => h.state) });
  for (const output of result.outputs) {
    console.log(`output    ${output.path} -> ${output.url} ${output.sizeBytes} bytes sha256 ${output.sha256 || '(not readable here)'}`);
  }
}
