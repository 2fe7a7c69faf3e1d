#!/usr/bin/env node
// `npm run bench`: runs every bench/<name>/main.{mjs,js,ts} in turn (TypeScript through tsx).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const name of readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  const main = ['main.mjs', 'main.js', 'main.ts'].map((f) => join(here, name, f)).find((f) => existsSync(f));
  if (!main) continue;
  console.log(`== bench/${name}`);
  const args = main.endsWith('.ts') ? ['--import', 'tsx', main] : [main];
  const result = spawnSync(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
