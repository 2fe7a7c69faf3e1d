// bench/tes-site: one poll cycle over N watched jobs on one TES server, side
// by side in the same run against the reference TES server:
//   - TesSite.poll: ListTasks pages (view MINIMAL, filtered by the watch-group tag);
//   - the peer: one GetTask (view MINIMAL) per job, 8 in flight, as a per-job poller does.
// Prints requests and median wall time per cycle. Figures, not assertions.
//
//   npx tsx bench/tes-site/main.ts [jobs=1000] [pageSize=256]
import { TesClient, TesSite, WATCH_GROUP_TAG } from '../../src/internal.js';
import { Semaphore } from '../../src/util/semaphore.js';
import { startTesServer } from '../../test/peers/tes-server/server.js';

const jobs = Number(process.argv[2] ?? 1000);
const pageSize = Number(process.argv[3] ?? 256);
const ROUNDS = 5;

const server = await startTesServer({ maxRunning: 0 }); // tasks stay QUEUED: every cycle sees the same jobs
try {
  const client = new TesClient({ baseUrl: server.url });
  const site = new TesSite({ client, group: 'bench', pageSize });
  const ids: string[] = [];
  for (let i = 0; i < jobs; i++) {
    ids.push(await client.createTask({ name: `b${i}`, executors: [{ image: 'a', command: ['true'] }], tags: { [WATCH_GROUP_TAG]: 'bench' } }));
  }

  const measure = async (cycle: () => Promise<number>): Promise<{ requests: number; ms: number }> => {
    const times: number[] = [];
    let requests = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const before = (server.counts.ListTasks ?? 0) + (server.counts.GetTask ?? 0);
      const started = performance.now();
      const seen = await cycle();
      times.push(performance.now() - started);
      requests = (server.counts.ListTasks ?? 0) + (server.counts.GetTask ?? 0) - before;
      if (seen !== jobs) throw new Error(`a cycle saw ${seen} of ${jobs} jobs`);
    }
    times.sort((a, b) => a - b);
    return { requests, ms: times[Math.floor(ROUNDS / 2)] as number };
  };

  const listed = await measure(async () => (await site.poll(ids)).size);
  const gate = new Semaphore(8);
  const perJob = await measure(async () => {
    const states = await Promise.all(
      ids.map(async (id) => {
        const release = await gate.acquire();
        try {
          return (await client.getTask(id)).state;
        } finally {
          release();
        }
      }),
    );
    return states.length;
  });

  console.log(`one poll cycle over ${jobs} QUEUED jobs, reference TES server, median of ${ROUNDS} (Node ${process.version})`);
  console.log(`  ${'poller'.padEnd(44)} ${'requests'.padStart(8)} ${'ms'.padStart(8)}`);
  console.log(`  ${`TesSite.poll (ListTasks, page_size ${pageSize})`.padEnd(44)} ${String(listed.requests).padStart(8)} ${listed.ms.toFixed(1).padStart(8)}`);
  console.log(`  ${'per-job GetTask (8 in flight)'.padEnd(44)} ${String(perJob.requests).padStart(8)} ${perJob.ms.toFixed(1).padStart(8)}`);
} finally {
  await server.close();
}
