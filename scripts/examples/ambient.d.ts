// Names the @example blocks in src/ use without defining them: the objects a
// reader is assumed to hold already. scripts/check-examples.mjs compiles every
// example with these in scope; an example that needs anything else defines it.
import type * as pn from 'pulsar-network/node';

declare global {
  const tes: pn.TesClient;
  const pulsar: pn.PulsarClient;
  const http: pn.HttpClient;
  const network: pn.Network;
  const site: pn.Site;
  const job: pn.Job;
  const spec: pn.JobSpec;
  const task: pn.TesTask;
  const id: string;
  const jobId: string;
  const remoteId: string;
  const savedRemoteId: string;
  const url: string;
  const text: string;
  const signal: AbortSignal;
  const response: Response;
  const commandLine: string;
  const bytes: Uint8Array;
  const path: string;
  const config: pn.NetworkConfig;
  const from: pn.TransferSource;
  const to: pn.TransferSink;
  const sink: pn.TransferSink;
  const sha256: string;
  const blob: Blob;
  const stream: ReadableStream<Uint8Array>;
  const baseUrl: string;
  const token: string;
  const registry: pn.SiteRegistry;
  const engine: pn.JobEngine;
  const request: pn.SelectionRequest;
  const stagedJob: pn.PulsarStagedJob;
  const rules: pn.CompiledUrlRules;
}
export {};
