#!/usr/bin/env node
// After `tsup`: the declarations both entries share land in a chunk rollup
// names `index-<hash>.d.ts`, where go-to-definition then takes a user. This
// gives it a stable, readable name (`dist/pulsar-network.d.ts`, `.d.cts`) and
// rewrites the entries' imports of it.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(import.meta.dirname, '..', 'dist');
const files = readdirSync(dist);
const renames = new Map();
for (const file of files) {
  const m = /^index-[\w-]+(\.d\.c?ts)$/.exec(file);
  if (m) renames.set(file, `pulsar-network${m[1]}`);
}
if (new Set([...renames.values()]).size !== renames.size) throw new Error(`more than one shared declaration chunk: ${[...renames.keys()].join(', ')}`);
for (const [from, to] of renames) renameSync(join(dist, from), join(dist, to));
for (const file of readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f))) {
  const path = join(dist, file);
  let text = readFileSync(path, 'utf8');
  for (const [from, to] of renames) {
    const stem = (name) => name.replace(/\.d\.(c?)ts$/, '.$1js');
    text = text.split(`./${stem(from)}`).join(`./${stem(to)}`);
  }
  writeFileSync(path, text);
}
console.log(renames.size ? `declaration chunks named: ${[...renames].map(([a, b]) => `${a} -> ${b}`).join(', ')}` : 'no shared declaration chunk');
