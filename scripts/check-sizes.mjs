#!/usr/bin/env node
// Keeps the source readable in small pieces: no file over 400 lines and no
// function over 80, except the CLI's command table (one long, flat list of
// commands and options). Run by scripts/test.sh; `node scripts/check-sizes.mjs [dir]`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;
/** `file:function` names allowed to be longer, each with its reason. */
const EXEMPT = new Map([['src/cli/commands.ts:cliProgram', "the CLI's command table"]]);

const root = process.argv[2] ?? 'src';
const files = (function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
})(root);

const problems = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const shown = relative(process.cwd(), file);
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES) problems.push(`${shown}: ${lines} lines (at most ${MAX_FILE_LINES})`);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    const isFunction = ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isConstructorDeclaration(node) || ts.isAccessor(node);
    if (isFunction && node.body) {
      const from = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const to = source.getLineAndCharacterOfPosition(node.end).line;
      const name = node.name?.getText(source) ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(source) : '(anonymous)');
      if (to - from + 1 > MAX_FUNCTION_LINES && !EXEMPT.has(`${shown}:${name}`)) problems.push(`${shown}:${from + 1}: function ${name} is ${to - from + 1} lines (at most ${MAX_FUNCTION_LINES})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
for (const problem of problems) console.error(problem);
console.log(`sizes: ${files.length} files checked, ${problems.length} over the limits`);
process.exit(problems.length > 0 ? 1 : 0);
