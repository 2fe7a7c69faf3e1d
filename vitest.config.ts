import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The default order, except that test files that need Funnel run last: `npm run peers`
 * builds Funnel in the background (minutes), and its tests wait for the build, so every
 * other file runs first, meanwhile.
 */
class FunnelLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const needsFunnel = (file: TestSpecification): boolean => /peers\/funnel\.js|\.\/tes-servers\.js/.test(readFileSync(file.moduleId, 'utf8'));
    const marked = sorted.map((file) => ({ file, last: needsFunnel(file) }));
    return [...marked.filter((m) => !m.last), ...marked.filter((m) => m.last)].map((m) => m.file);
  }
}

// Four layers (DESIGN.md): unit (pure logic, injected fetch), contract (msw
// handlers checked against the OpenAPI documents), integration (real Pulsar,
// TES and RabbitMQ on loopback, started by the tests), runtime (the packed
// package under Node 20, Node 24, Deno 2 and Chromium).
export default defineConfig({
  test: {
    sequence: { sequencer: FunnelLastSequencer },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'contract', include: ['test/contract/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'runtime',
          include: ['test/runtime/**/*.test.ts'],
          globalSetup: ['test/runtime/support/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
