#!/usr/bin/env node
// Type-checks every `@example` in the TSDoc of src/ against the built package, the
// way a user would paste it: imports from 'pulsar-network' and its subpaths,
// top-level await allowed. Names an example uses without defining (a `tes` client,
// a `network`) are declared once in scripts/examples/ambient.d.ts.
// Usage: node scripts/check-examples.mjs [--src DIR]   (after `npm run build`)
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.cache', 'examples');
const entry = 'pulsar-network/node';

/** Every ```ts block after an `@example` tag in a doc comment, with its source line. */
export function extractExamples(text) {
  const found = [];
  const lines = text.split('\n');
  let inDoc = false;
  let afterTag = false;
  let block = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!inDoc && /^\s*\/\*\*/.test(line)) inDoc = true;
    if (inDoc) {
      const content = line.replace(/^\s*\/?\*+\/?\s?/, '');
      if (block) {
        if (/^```/.test(content.trim())) {
          found.push(block);
          block = null;
          afterTag = false;
        } else block.code.push(content);
      } else if (/@example\b/.test(content)) afterTag = true;
      else if (afterTag && /^```(ts|typescript)\s*$/.test(content.trim())) block = { line: i + 2, code: [] };
      else if (/^@\w/.test(content.trim())) afterTag = false;
    }
    if (inDoc && /\*\//.test(line)) {
      inDoc = false;
      afterTag = false;
      block = null;
    }
  }
  return found;
}

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** Names (values and types) each module exports: the built entry, and every source file. */
function exportsOf(files) {
  const program = ts.createProgram(files, { noEmit: true, skipLibCheck: true, allowJs: false });
  const checker = program.getTypeChecker();
  return new Map(
    files.map((file) => {
      const symbol = checker.getSymbolAtLocation(program.getSourceFile(file));
      return [file, symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : []];
    }),
  );
}

const importLine = /^\s*import\s[^;]*from\s+['"]([^'"]+)['"];?\s*$/;

// An example on an internal (unexported) member may use its own module's names
// and the machinery's (src/internal.ts): those come from the sources; an example
// that uses only public names compiles against the built package.
function exampleModule(example, names, file, own, machinery) {
  // Imports and `declare` lines (what the reader is assumed to hold) go to the top level.
  const hoisted = (l) => importLine.test(l) || /^\s*declare\s/.test(l);
  const imports = example.code.filter(hoisted);
  const body = example.code.filter((l) => !hoisted(l));
  const taken = new Set(imports.filter((l) => importLine.test(l)).flatMap((l) => (l.match(/\{([^}]*)\}/)?.[1] ?? '').split(',').map((n) => n.replace(/^\s*type\s+/, '').split(/\s+as\s+/).pop().trim())));
  const prelude = names.filter((n) => !taken.has(n));
  const internal = own.filter((n) => !taken.has(n) && !names.includes(n));
  const used = (n) => example.code.some((l) => !importLine.test(l) && new RegExp(`\\b${n}\\b`).test(l));
  const inner = machinery.filter((n) => !taken.has(n) && !names.includes(n) && !internal.includes(n) && used(n));
  const header = [
    `import { ${prelude.join(', ')} } from '${entry}';`,
    ...(internal.length ? [`import { ${internal.join(', ')} } from '${file.replace(/\.ts$/, '.js')}';`] : []),
    ...(inner.length ? [`import { ${inner.join(', ')} } from '${join(root, 'src', 'internal.js')}';`] : []),
    ...imports,
    'export async function example(): Promise<void> {',
  ];
  const importsMachinery = [...taken].some((n) => machinery.includes(n) && !names.includes(n));
  const usesInternal = internal.some(used) || inner.length > 0 || importsMachinery;
  return { text: [...header, ...body, '}', ''].join('\n'), offset: header.length, internal: usesInternal };
}

function compile(files, extra) {
  if (!files.length) return [];
  const options = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    skipLibCheck: true,
    ...extra,
  };
  return ts.getPreEmitDiagnostics(ts.createProgram([join(work, 'ambient.d.ts'), ...files], options));
}

function main() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'node_modules'), { recursive: true });
  symlinkSync(root, join(work, 'node_modules', 'pulsar-network'), 'dir');
  copyFileSync(join(root, 'scripts', 'examples', 'ambient.d.ts'), join(work, 'ambient.d.ts'));
  const at = process.argv.indexOf('--src');
  const files = sourceFiles(at > 0 ? process.argv[at + 1] : join(root, 'src'));
  const dts = join(root, 'dist', 'node.d.ts');
  const internalEntry = join(root, 'src', 'internal.ts');
  const exported = exportsOf([dts, internalEntry, ...files]);
  const names = exported.get(dts);
  const machinery = exported.get(internalEntry);
  const map = new Map();
  let count = 0;
  for (const file of files) {
    for (const example of extractExamples(readFileSync(file, 'utf8'))) {
      const name = join(work, `example-${count++}.ts`);
      const { text, offset, internal } = exampleModule(example, names, file, exported.get(file) ?? [], machinery);
      writeFileSync(name, text);
      map.set(name, { file: relative(process.cwd(), file), line: example.line, offset, internal });
    }
  }
  writeFileSync(join(work, 'package.json'), '{ "type": "module" }\n');
  // Examples of public members compile against the built package; an example that
  // needs its own module's internal names compiles against the source, so the
  // public objects it uses are the same classes as the internals it calls.
  const internal = [...map].filter(([, at]) => at.internal).map(([name]) => name);
  const publicOnly = [...map].filter(([, at]) => !at.internal).map(([name]) => name);
  const diagnostics = [
    ...compile(publicOnly, {}),
    ...compile(internal, { paths: Object.fromEntries(['', '/sites', '/pulsar', '/transfer', '/node'].map((sub) => [`pulsar-network${sub}`, [internalEntry]])) }),
  ].filter((d) => d.file && map.has(d.file.fileName));
  for (const d of diagnostics) {
    const at = map.get(d.file.fileName);
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    console.error(`${at.file}:${at.line + line - at.offset}: ${message}`);
  }
  const bad = new Set(diagnostics.map((d) => d.file.fileName)).size;
  console.log(`@example blocks: ${count} checked, ${count - bad} compile, ${bad} do not (${internal.length} on machinery, compiled against the sources)`);
  process.exitCode = bad ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
