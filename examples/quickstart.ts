// The README's main job. Until the embedded local site lands, it shows the
// HTTP layer riding over a flaky local server: two 503 answers, then success.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../src/index.js';

let calls = 0;
const server = createServer((_req, res) => {
  calls++;
  if (calls <= 2) {
    res.writeHead(503, { 'retry-after': '0' }).end('busy');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: 'pulsar-network', calls }));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

const http = new HttpClient({
  baseUrl: `http://127.0.0.1:${port}/`,
  onEvent: (event) => console.log('event', JSON.stringify(event)),
});
console.log('answer', await http.json({ path: 'hello' }));
server.close();
