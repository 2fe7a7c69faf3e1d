/** The bench's file server, in its own process: prints its URL, serves until stdin closes. */
import { startStaticServer } from '../../test/support/static-range-server.js';

const root = process.argv[2];
if (!root) throw new Error('usage: server.ts <root>');
const server = await startStaticServer({ root });
process.stdout.write(`${server.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
