#!/usr/bin/env node
// The ```ts blocks of the README, for test/runtime/consumer.test.ts, which
// compiles each in fresh consumer projects. A marker comment on the line
// before a block (blank lines between allowed) says more:
//   <!-- snippet: run -->   also run it (it needs no server and no secret);
//   <!-- snippet: deno -->  Deno only (it imports `npm:` specifiers).
// Usage: node scripts/readme-snippets.mjs [README.md]   (prints a summary)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * @param {string} text the README
 * @returns {{ line: number, code: string, run: boolean, denoOnly: boolean }[]}
 */
export function readmeSnippets(text) {
  const lines = text.split('\n');
  const found = [];
  let marker;
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!--\s*snippet:\s*([\w-]+)\s*-->$/.exec(lines[i].trim());
    if (m) {
      marker = m[1];
      continue;
    }
    if (/^```(ts|typescript)\s*$/.test(lines[i])) {
      const start = i + 1;
      const code = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) code.push(lines[i]);
      found.push({ line: start + 1, code: code.join('\n'), run: marker === 'run', denoOnly: marker === 'deno' });
      marker = undefined;
    } else if (lines[i].trim() !== '') marker = undefined;
  }
  return found;
}

const importLine = /^\s*import\s[^;]*from\s+['"][^'"]+['"];?\s*$/;

/**
 * A snippet as a module: its imports on top, the rest in an async function
 * (so it compiles where top-level await is not allowed, as in CommonJS).
 */
export function asModule(code) {
  const lines = code.split('\n');
  const imports = lines.filter((l) => importLine.test(l));
  const body = lines.filter((l) => !importLine.test(l));
  return [...imports, 'export async function snippet(): Promise<void> {', ...body, '}', ''].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const snippets = readmeSnippets(readFileSync(process.argv[2] ?? 'README.md', 'utf8'));
  for (const s of snippets) console.log(`README.md:${s.line}${s.run ? ' (run)' : ''}${s.denoOnly ? ' (Deno only)' : ''}`);
  console.log(`${snippets.length} snippets`);
}
