/**
 * Runs the reference TES server as its own process (for bench/ and manual
 * use): prints `{"origin": "http://127.0.0.1:PORT"}` on one line, stops on
 * SIGTERM, SIGINT or when stdin closes.
 *
 *   npx tsx test/peers/tes-server/main.ts [--seed N] [--max-running N]
 */
import { startTesServer } from './server.js';

const arg = (name: string): number | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
};

const options: Parameters<typeof startTesServer>[0] = {};
const seed = arg('seed');
const maxRunning = arg('max-running');
if (seed !== undefined) options.seed = seed;
if (maxRunning !== undefined) options.maxRunning = maxRunning;
const server = await startTesServer(options);
process.stdout.write(`${JSON.stringify({ origin: server.origin, url: server.url })}\n`);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
