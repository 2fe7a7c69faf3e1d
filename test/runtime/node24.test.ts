// Runtime matrix: the packed package on Node 24 (npm package node@24).
import { describe, expect, inject, it } from 'vitest';
import { requireRuntime, runtimePaths } from '../peers/runtimes.js';
import { useApiServer } from './support/api-server.js';
import { expectedResult, runProgram, TOKEN } from './support/run-program.js';

describe('Node 24', () => {
  const server = useApiServer(TOKEN);

  it('imports pulsar-network (ESM), makes a real call, retries a 503 and types a 404', async () => {
    const node = requireRuntime(runtimePaths().node24, 'install-runtimes.sh');
    const result = await runProgram(node, ['esm.mjs', `${server().url}/api/`, 'node24-esm', TOKEN], inject('consumerDir'));
    expect(result.runtime).toMatch(/^node v24\./);
    expect(result).toMatchObject(expectedResult('node24-esm'));
    expect(result.retries).toEqual([expect.stringContaining('503')]);
  });
});
