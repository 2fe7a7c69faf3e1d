// Runtime matrix: the packed package on the machine's Node 20, through the
// ESM import, the CJS require and the ./node entry.
import { describe, expect, inject, it } from 'vitest';
import { runtimePaths } from '../peers/runtimes.js';
import { useApiServer } from './support/api-server.js';
import { expectedResult, runProgram, TOKEN } from './support/run-program.js';

describe('Node 20', () => {
  const node = runtimePaths().node20;
  const server = useApiServer(TOKEN);

  it.each([
    ['ESM import of pulsar-network', 'esm.mjs', 'node20-esm'],
    ['CJS require of pulsar-network', 'cjs.cjs', 'node20-cjs'],
    ['ESM import of pulsar-network/node', 'node-entry.mjs', 'node20-node-entry'],
  ])('%s makes a real call, retries a 503 and types a 404', async (_name, program, label) => {
    const result = await runProgram(node, [program, `${server().url}/api/`, label, TOKEN], inject('consumerDir'));
    expect(result.runtime).toMatch(/^node v20\./);
    expect(result).toMatchObject(expectedResult(label));
    expect(result.retries).toEqual([expect.stringContaining('503')]);
  });
});
