/** The bench's file server, in its own process: prints its URL, serves until stdin closes. `server.ts <root> [host]`. */
import { startStaticServer } from '../../test/support/static-range-server.js';

const root = process.argv[2];
if (!root) throw new Error('usage: server.ts <root> [host]');
const host = process.argv[3];
const server = await startStaticServer({ root, ...(host ? { host } : {}) });
process.stdout.write(`${server.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
