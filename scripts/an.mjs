import * as esbuild from 'esbuild';
import { gzipSync } from 'node:zlib';
const code = process.argv[2];
const r = await esbuild.build({ stdin: { contents: code, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, minify: true, write: false, metafile: true, format: 'esm', platform: 'browser', treeShaking: true });
const out = Object.values(r.metafile.outputs)[0];
console.log('total min', r.outputFiles[0].contents.length, 'gz', gzipSync(r.outputFiles[0].contents, { level: 9 }).length);
const rows = Object.entries(out.inputs).map(([k, v]) => [v.bytesInOutput, k]).sort((a, b) => b[0] - a[0]).slice(0, 30);
for (const [b, k] of rows) console.log(b, k);
