// Runtime matrix: the packed package on the machine's Node 20 and on Node 24
// (npm package node@24), through the ESM import, the CJS require and the
// ./node entry.
import { describe, expect, inject, it } from 'vitest';
import { requireRuntime, runtimePaths } from '../peers/runtimes.js';
import { useApiServer } from './support/api-server.js';
import { BLOB, expectedResult, runProgram, TOKEN } from './support/run-program.js';

const NODES = [
  { name: 'Node 20', id: 'node20', version: /^node v20\./, binary: () => runtimePaths().node20 },
  { name: 'Node 24', id: 'node24', version: /^node v24\./, binary: () => requireRuntime(runtimePaths().node24, 'install-runtimes.sh') },
];

const PROGRAMS = [
  ['ESM import of pulsar-network', 'esm.mjs', 'esm'],
  ['CJS require of pulsar-network', 'cjs.cjs', 'cjs'],
  ['ESM import of pulsar-network/node', 'node-entry.mjs', 'node-entry'],
];

describe.each(NODES)('$name', ({ id, version, binary }) => {
  const server = useApiServer(TOKEN);

  it.each(PROGRAMS)('%s makes a real call, retries a 503, types a 404 and moves a Blob up and back', async (_name, program, entry) => {
    const label = `${id}-${entry}`;
    const result = await runProgram(binary(), [program, `${server().url}/api/`, label, TOKEN], inject('consumerDir'));
    expect(result.runtime).toMatch(version);
    expect(result).toMatchObject(expectedResult(label));
    expect(result.retries).toEqual([expect.stringContaining('503')]);
    // The server got every byte of the upload, announced by Content-Length.
    expect(server().uploads.filter((u) => u.key === label)).toEqual([{ key: label, size: BLOB.size, sha256: BLOB.sha256, contentLength: String(BLOB.size) }]);
  });
});
