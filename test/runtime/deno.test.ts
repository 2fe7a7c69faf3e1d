// Runtime matrix: the packed package on Deno 2 (npm package deno@2), resolved
// from the consumer project's package.json and node_modules, through both the
// portable entry and pulsar-network/node.
import { describe, expect, inject, it } from 'vitest';
import { requireRuntime, runtimePaths } from '../peers/runtimes.js';
import { useApiServer } from './support/api-server.js';
import { BLOB, expectedResult, runProgram, TOKEN } from './support/run-program.js';

describe('Deno 2', () => {
  const server = useApiServer(TOKEN);

  it.each([
    ['pulsar-network', 'deno.mjs', 'deno-esm'],
    ['pulsar-network/node', 'deno-node-entry.mjs', 'deno-node-entry'],
  ])('imports %s, makes a real call, retries a 503, types a 404 and moves a Blob up and back', async (_entry, program, label) => {
    const deno = requireRuntime(runtimePaths().deno, 'install-runtimes.sh');
    const result = await runProgram(
      deno,
      ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', program, `${server().url}/api/`, label, TOKEN],
      inject('consumerDir'),
    );
    expect(result.runtime).toMatch(/^deno 2\./);
    expect(result).toMatchObject(expectedResult(label));
    expect(result.retries).toEqual([expect.stringContaining('503')]);
    expect(server().uploads.filter((u) => u.key === label)).toEqual([{ key: label, size: BLOB.size, sha256: BLOB.sha256, contentLength: String(BLOB.size) }]);
  });
});
