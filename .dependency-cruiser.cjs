// Import direction, checked in CI (`npm run lint:imports`): a module may import
// from its own layer and the layers below it, never from a layer above.
// The layers, lowest first; each is a list of path patterns under src/.
const layers = [
  ['^generated/', '^src/util/', '^src/redact\\.ts$', '^src/errors\\.ts$', '^src/errors/'],
  // The shapes every layer shares: the job spec, the caller's local files.
  ['^src/contracts/'],
  // The executor kernel every site that runs commands shares: paths, plan, shell script, container and sandbox wrappers, spec checks.
  ['^src/executor/'],
  // node/http-fetch is a transport (a fetch over node:http), used by the guarded fetch.
  ['^src/http/', '^src/policy/', '^src/node/http-fetch\\.ts$'],
  ['^src/transfer/'],
  ['^src/tes/', '^src/pulsar/'],
  ['^src/jobs/', '^src/sites/'],
  ['^src/network/'],
  // Rich displays (notebooks, timelines): they read jobs, networks and task lists.
  ['^src/display/'],
  ['^src/gateway/'],
  ['^src/cli/', '^src/node/(?!http-fetch\\.ts$)', '^src/index\\.ts$', '^src/sites-entry\\.ts$', '^src/pulsar-entry\\.ts$', '^src/transfer-entry\\.ts$', '^src/node\\.ts$'],
];

const anyOf = (patterns) => patterns.join('|');

module.exports = {
  forbidden: [
    ...layers.slice(0, -1).map((patterns, i) => ({
      name: `layer-${i}-imports-upward`,
      comment: `${patterns.join(', ')} may not import from a layer above it (see layers in .dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: anyOf(patterns) },
      to: { path: anyOf(layers.slice(i + 1).flat()) },
    })),
    {
      name: 'adapters-independent',
      comment: 'a site adapter may not import another adapter (shared code goes to src/executor or src/contracts)',
      severity: 'error',
      from: { path: '^src/sites/(local|pulsar|pulsar-amqp|tes)/' },
      to: { path: '^src/sites/(local|pulsar|pulsar-amqp|tes)/', pathNot: '^src/sites/$1/' },
    },
    {
      name: 'no-value-cycles',
      comment: 'modules may not import each other in a cycle (type-only imports excepted)',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
