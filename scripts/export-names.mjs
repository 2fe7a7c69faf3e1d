#!/usr/bin/env node
// Prints the names a built entry exports (values and types), one a line, with
// their count last: `node scripts/export-names.mjs dist/index.d.ts`.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The exported names of a d.ts file, sorted. */
export function exportNames(file) {
  const program = ts.createProgram([file], { noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file));
  return symbol ? checker.getExportsOfModule(symbol).map((s) => s.name).sort() : [];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  for (const arg of process.argv.slice(2).length ? process.argv.slice(2) : ['dist/index.d.ts', 'dist/node.d.ts']) {
    const names = exportNames(resolve(root, arg));
    console.log(`${arg}: ${names.length} names`);
    if (process.argv.length > 2) console.log(names.join('\n'));
  }
}
