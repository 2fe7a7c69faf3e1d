import { defineConfig } from 'vitest/config';

// Four layers (DESIGN.md): unit (pure logic, injected fetch), contract (msw
// handlers checked against the OpenAPI documents), integration (real Pulsar,
// TES and RabbitMQ on loopback, started by the tests), runtime (the packed
// package under Node 20, Node 24, Deno 2 and Chromium).
export default defineConfig({
  test: {
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
