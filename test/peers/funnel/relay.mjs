#!/usr/bin/env node
// A byte relay between two stream endpoints, for test/peers/funnel.ts: Funnel listens on
// every interface, so it runs in a network namespace of its own (only loopback there); one
// relay inside that namespace carries its HTTP port to a Unix socket, and one outside
// carries the socket to a free port on 127.0.0.1. A socket file crosses namespaces.
//
//   node relay.mjs --listen tcp:127.0.0.1:0|unix:PATH --connect tcp:HOST:PORT|unix:PATH [--watch-stdin]
//
// Prints one JSON line once listening: {"listen": "tcp:127.0.0.1:PORT" | "unix:PATH"}.
// Ends on SIGTERM, and with --watch-stdin when its stdin closes (the parent went away).
import { createConnection, createServer } from 'node:net';
import { rmSync } from 'node:fs';

const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (!value) throw new Error(`relay: --${name} is required`);
  return value;
};

/** `tcp:HOST:PORT` or `unix:PATH` as net options. */
function endpoint(spec) {
  if (spec.startsWith('unix:')) return { path: spec.slice(5) };
  const match = /^tcp:(.+):(\d+)$/.exec(spec);
  if (!match) throw new Error(`relay: bad endpoint ${spec}`);
  return { host: match[1], port: Number(match[2]) };
}

const listen = endpoint(arg('listen'));
const connect = endpoint(arg('connect'));
if (listen.path) rmSync(listen.path, { force: true });

const server = createServer({ pauseOnConnect: true }, (client) => {
  const upstream = createConnection(connect);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
  upstream.once('connect', () => {
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
});
server.listen(listen, () => {
  const address = server.address();
  const where = typeof address === 'string' ? `unix:${address}` : `tcp:${address.address}:${address.port}`;
  process.stdout.write(`${JSON.stringify({ listen: where })}\n`);
});
const stop = () => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
if (process.argv.includes('--watch-stdin')) {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
