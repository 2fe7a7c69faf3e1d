import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The public surface, name by name: adding or removing an export changes this
// list, so it is a decision made in review, not a side effect of `export *`.
// The machinery behind these names lives in src/internal.ts (not published).

const ROOT = [
    'AbortError', 'Auth', 'AuthenticationError', 'BasicTask', 'BlockedAddressError', 'CallOptions',
    'ConnectionError', 'DecisionRecord', 'FetchLike', 'FullTask', 'HttpClient', 'HttpClientOptions',
    'HttpError', 'IntegrityError', 'Job', 'JobDoneEvent', 'JobEngine', 'JobEvent', 'JobFailedError',
    'JobLogEvent', 'JobResult', 'JobSpec', 'JobState', 'JobStateEvent', 'JobTransferEvent', 'JobWaitOptions',
    'MinimalTask', 'Network', 'NetworkConfig', 'NetworkOptions', 'NetworkSubmitOptions',
    'NoEligibleSiteError', 'NotFoundError', 'ProtocolError', 'PulsarClient', 'PulsarClientOptions',
    'PulsarNetworkError', 'PulsarRestSite', 'PulsarRestSiteOptions', 'RateLimitError', 'ResponseTooLargeError', 'RetryOptions',
    'SelectionRequest', 'ServerError', 'Site', 'SiteConfig', 'SiteFactory', 'SiteKind',
    'SiteRegistry', 'SiteSelector', 'SubmitJobOptions', 'TesClient', 'TesClientOptions', 'TesServiceInfo',
    'TesSite', 'TesSiteOptions', 'TesState', 'TesTask', 'TimeoutError', 'TokenProvider', 'TransferError',
    'TransferOptions', 'TransferProgress', 'TransferResult', 'TransferSink', 'TransferSource',
    'UnknownJobError', 'ValidationError', 'attachJob', 'balanced', 'blobSource', 'bytesSource', 'composite',
    'dataLocality', 'earliestCompletion', 'fastest', 'isTerminalState', 'leastLoaded', 'pinned',
    'resourceFit', 'roundRobin', 'streamSink', 'streamSource', 'submitJob', 'tags', 'transfer', 'uploadSink',
    'urlSource', 'weightedRandom',
];

/** What `pulsar-network/node` adds to the root. */
const NODE_ONLY = [
    'ContainerRuntime', 'DisplayLiveOptions', 'FileSinkOptions', 'GatewayClient', 'LocalBind', 'LocalCleanup', 'LocalSite', 'LocalSiteOptions',
    'MemoryTaskStore', 'PulsarMqSite', 'PulsarMqSiteOptions', 'PulsarStagedJob', 'PulsarStagedResult',
    'RunStagedJobOptions', 'SqliteTaskStore', 'TaskStore', 'TesGateway', 'TesGatewayOptions', 'checkJobUrls',
    'createTesGateway', 'detectContainerRuntimes', 'fileSink', 'fileSource', 'guardedFetch',
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
  const names = exportedNames('index.ts', 'node.ts');

  it('the root entry exports exactly the listed names, at most 90', () => {
    expect(names.get('index.ts')).toEqual([...ROOT].sort());
    expect(ROOT.length).toBeLessThanOrEqual(90);
  });

  it('the Node entry exports the root plus the listed Node-only names', () => {
    expect(names.get('node.ts')).toEqual([...ROOT, ...NODE_ONLY].sort());
  });

  it('machinery is not on either entry', () => {
    const all = new Set(names.get('node.ts'));
    for (const name of ['Ewma', 'TokenBucket', 'HostLimiter', 'StateTracker', 'PathRewriter', 'shellQuote', 'hashSeed', 'createJob', 'retry', 'watcherFor']) {
      expect(all.has(name), name).toBe(false);
    }
  });
});
