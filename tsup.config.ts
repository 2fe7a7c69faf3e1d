import { defineConfig, type Options } from 'tsup';

const common: Options = {
  entry: { index: 'src/index.ts', sites: 'src/sites-entry.ts', pulsar: 'src/pulsar-entry.ts', transfer: 'src/transfer-entry.ts', node: 'src/node.ts' },
  dts: true,
  // No source maps in the package: they were 2.5 MB of its 4.4 MB, and the
  // output is readable (not minified) with the names of the sources.
  sourcemap: false,
  target: 'es2022',
  platform: 'neutral',
  // Node built-ins are only imported from the ./node entry.
  external: [/^node:/],
  splitting: true,
  treeshake: true,
};

export default defineConfig([
  // The ESM build also makes the `pulsar-network` command line (dist/cli.js, started by bin/pulsar-network.mjs).
  {
    ...common,
    entry: { ...(common.entry as Record<string, string>), cli: 'src/cli/main.ts' },
    dts: { entry: common.entry as Record<string, string> },
    format: ['esm'],
    clean: true,
  },
  { ...common, format: ['cjs'] },
]);
