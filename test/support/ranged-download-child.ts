/**
 * A split download in a process of its own, for a test to kill mid-way:
 * `ranged-download-child.ts <base-url> <target>`. Prints `bytes <n>` as bytes land.
 */
import { HttpClient } from '../../src/index.js';
import { transfer, urlSource } from '../../src/transfer-entry.js';
import { fileSink } from '../../src/node.js';

const [url, target] = process.argv.slice(2);
if (!url || !target) throw new Error('usage: ranged-download-child.ts <base-url> <target>');
await transfer({
  from: urlSource(new HttpClient({ baseUrl: url }), { path: 'big.bin' }),
  to: fileSink(target, { resume: true }),
  ranges: 4,
  progressInterval: 0,
  onProgress: (p) => process.stdout.write(`bytes ${p.bytesDone}\n`),
});
