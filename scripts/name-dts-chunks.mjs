#!/usr/bin/env node
// After `tsup`: the declarations the entries share land in chunks rollup names
// `<module>-<hash>.d.ts`, where go-to-definition then takes a user. This gives
// each a stable, readable name (`dist/pulsar-network.d.ts` for the main one,
// `dist/pulsar-network-<what>.d.ts` for the others, `.d.cts` alike) and
// rewrites the imports of them.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = join(import.meta.dirname, '..', 'dist');
const kebab = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** A readable name for a chunk: its module's name, or for two chunks of one name, the class it is named for (`client` → `tes-client`). */
function nameOf(stem, text, shared) {
  if (stem === 'index') return 'pulsar-network';
  let what = stem.replace(/-entry$/, '');
  if (shared) {
    const named = [...text.matchAll(/^declare class (\w+)/gm)].map((m) => kebab(m[1])).find((c) => c.endsWith(`-${stem}`));
    if (!named) throw new Error(`cannot name a declaration chunk of "${stem}": no class named *${stem}`);
    what = named;
  }
  return `pulsar-network-${what}`;
}

const renames = new Map();
for (const ext of ['.d.ts', '.d.cts']) {
  const chunks = readdirSync(dist)
    .map((file) => ({ file, m: new RegExp(`^([a-z-]+?)-[\\w-]{8}${ext.replace(/\./g, '\\.')}$`).exec(file) }))
    .filter(({ m }) => m);
  const count = new Map();
  for (const { m } of chunks) count.set(m[1], (count.get(m[1]) ?? 0) + 1);
  for (const { file, m } of chunks) renames.set(file, nameOf(m[1], readFileSync(join(dist, file), 'utf8'), count.get(m[1]) > 1) + ext);
}
if (new Set(renames.values()).size !== renames.size) throw new Error(`two declaration chunks would get one name: ${[...renames].join(', ')}`);
for (const [from, to] of renames) renameSync(join(dist, from), join(dist, to));
const stem = (name) => name.replace(/\.d\.(c?)ts$/, '.$1js');
for (const file of readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f))) {
  const path = join(dist, file);
  let text = readFileSync(path, 'utf8');
  for (const [from, to] of renames) text = text.split(`./${stem(from)}'`).join(`./${stem(to)}'`);
  writeFileSync(path, text);
}
console.log(renames.size ? `declaration chunks named: ${[...renames].map(([a, b]) => `${a} -> ${b}`).join(', ')}` : 'no shared declaration chunk');
