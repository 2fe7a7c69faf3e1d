import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The public surface, name by name: adding or removing an export changes this
// list, so it is a decision made in review, not a side effect of `export *`.
// The machinery behind these names lives in src/internal.ts (not published).

const ROOT = [
    'AbortError', 'Auth', 'AuthenticationError', 'BasicTask', 'BlockedAddressError', 'CallOptions',
    'ConnectionError', 'DecisionRecord', 'decide', 'FetchLike', 'FullTask', 'HttpClient', 'HttpClientOptions',
    'HttpError', 'IntegrityError', 'Job', 'JobDoneEvent', 'JobEngine', 'JobEvent', 'JobFailedError',
    'JobLogEvent', 'JobResult', 'JobSpec', 'JobState', 'JobStateEvent', 'JobTransferEvent', 'JobWaitOptions',
    'MinimalTask', 'Network', 'NetworkConfig', 'NetworkOptions', 'NetworkSubmitOptions',
    'NoEligibleSiteError', 'NotFoundError', 'ProtocolError', 'PulsarNetworkError', 'RateLimitError',
    'ResponseTooLargeError', 'RetryOptions', 'SelectionRequest', 'ServerError', 'Site', 'SiteConfig',
    'SiteFactory', 'SiteKind', 'SiteRegistry', 'SiteSelector', 'SubmitJobOptions', 'TesClient',
    'TesClientOptions', 'TesServiceInfo', 'TesState', 'TesTask', 'TimeoutError', 'TokenProvider',
    'TransferError', 'UnknownJobError', 'ValidationError', 'attachJob', 'balanced', 'composite',
    'dataLocality', 'earliestCompletion', 'fastest', 'isTerminalState', 'leastLoaded', 'pinned',
    'resourceFit', 'roundRobin', 'submitJob', 'tags', 'weightedRandom', 'TransferProgress',
];

/** `pulsar-network/sites`: the site adapters, for one given server. */
const SITES = [
    'TesSite', 'TesSiteOptions', 'PulsarRestSite', 'PulsarRestSiteOptions',
];

/** `pulsar-network/pulsar`: Pulsar's own REST protocol. */
const PULSAR = [
    'PulsarClient', 'PulsarClientOptions',
];

/** `pulsar-network/transfer`: verified, resumable transfers (`TransferProgress` is on the root too: job events carry it). */
const TRANSFER = [
    'TransferOptions', 'TransferResult', 'TransferSink', 'TransferSource', 'blobSource', 'bytesSource',
    'streamSource', 'urlSource', 'streamSink', 'uploadSink', 'transfer', 'TransferProgress',
];

/** What `pulsar-network/node` adds to the root and the other portable entries. */
const NODE_ONLY = [
    'ContainerRuntime', 'DisplayLiveOptions', 'FileSinkOptions', 'GatewayClient', 'LocalBind', 'LocalCleanup', 'LocalSite', 'LocalSiteOptions',
    'MemoryTaskStore', 'PulsarMqSite', 'PulsarMqSiteOptions', 'PulsarStagedJob', 'PulsarStagedResult',
    'RunStagedJobOptions', 'SqliteTaskStore', 'TaskStore', 'TesGateway', 'TesGatewayOptions', 'checkJobUrls',
    'createTesGateway', 'baseUrlRules', 'compileUrlRules', 'urlRulesProblems', 'canonicalPathSync', 'nodeUrlPolicyEnvironment', 'UrlRules', 'NodeUrlPolicyOptions', 'detectContainerRuntimes', 'fileSink', 'fileSource', 'guardedFetch',
    'networkFromFile', 'nodeHttpFetch', 'nodeLocalFiles', 'nodeSiteRegistry', 'readNetworkConfig',
    'runStagedJob', 'showDecision', 'Timeline', 'TimelineRecorder', 'TimelineSvgOptions', 'displayLive', 'timelineSvg',
];

function exportedNames(...files: string[]): Map<string, string[]> {
  const paths = files.map((f) => join(import.meta.dirname, '..', '..', 'src', f));
  const program = ts.createProgram(paths, { noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const checker = program.getTypeChecker();
  return new Map(
    files.map((f, i) => {
      const symbol = checker.getSymbolAtLocation(program.getSourceFile(paths[i]!)!);
      return [f, symbol ? checker.getExportsOfModule(symbol).map((s) => s.name).sort() : []];
    }),
  );
}

describe('the public surface', () => {
  const names = exportedNames('index.ts', 'sites-entry.ts', 'pulsar-entry.ts', 'transfer-entry.ts', 'node.ts');

  it('the root entry exports exactly the listed names, at most 90', () => {
    expect(names.get('index.ts')).toEqual([...ROOT].sort());
    expect(ROOT.length).toBeLessThanOrEqual(90);
  });

  it('each other portable entry exports exactly its listed names', () => {
    expect(names.get('sites-entry.ts')).toEqual([...SITES].sort());
    expect(names.get('pulsar-entry.ts')).toEqual([...PULSAR].sort());
    expect(names.get('transfer-entry.ts')).toEqual([...TRANSFER].sort());
  });

  it('the Node entry exports all the portable entries plus the listed Node-only names', () => {
    expect(names.get('node.ts')).toEqual([...new Set([...ROOT, ...SITES, ...PULSAR, ...TRANSFER, ...NODE_ONLY])].sort());
  });

  it('machinery is on no entry', () => {
    const all = new Set(names.get('node.ts'));
    for (const name of ['Ewma', 'TokenBucket', 'HostLimiter', 'StateTracker', 'PathRewriter', 'shellQuote', 'hashSeed', 'createJob', 'retry', 'watcherFor']) {
      expect(all.has(name), name).toBe(false);
    }
  });
});
