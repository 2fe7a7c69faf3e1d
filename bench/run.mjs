#!/usr/bin/env node
// `npm run bench`: runs every bench/*/main.{ts,mts,js,mjs} in turn (TypeScript
// through tsx) and stops at the first one that fails. Pass folder names to run
// only those: `npm run bench -- sha256 transfer`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && (wanted.length === 0 || wanted.includes(entry.name)))
  .map((entry) => entry.name)
  .sort();

for (const name of benches) {
  const main = ['main.ts', 'main.mts', 'main.js', 'main.mjs'].map((file) => join(here, name, file)).find(existsSync);
  if (!main) continue;
  console.log(`\n== bench/${name}`);
  const args = /\.m?ts$/.test(main) ? ['--import', 'tsx', main] : [main];
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`bench/${name} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}
