/**
 * What the gateway answers for a task: the TES views of a stored task, its
 * provenance tags, and the TES log made from a finished job's result.
 * @module
 */
import type { JobResult } from '../jobs/events.js';
import type { JobSpec, TesTask } from '../contracts/job-spec.js';
import type { DecisionRecord } from '../network/decision.js';
import { redactUrl, scrubText } from '../redact.js';
import type { TesTaskLog, TesView } from '../tes/types.js';
import { clientOutputUrl } from './output-urls.js';
import type { GatewayTask } from './store.js';

/** The prefix of the tags the gateway adds to every task (its provenance summary). */
export const PROVENANCE_TAG_PREFIX = 'pulsar-network.';

/**
 * The provenance summary of a task, as tags: the site, the strategy, the
 * number of attempts, the failovers and where the full decision record is.
 */
export function provenanceTags(task: GatewayTask, basePath: string): Record<string, string> {
  const tags: Record<string, string> = {};
  const p = PROVENANCE_TAG_PREFIX;
  const record = task.decision;
  if (task.site !== undefined) tags[`${p}site`] = task.site;
  if (record) {
    tags[`${p}strategy`] = record.strategy;
    tags[`${p}attempts`] = String(record.attempts.length);
    if (record.failovers.length > 0) tags[`${p}failovers`] = record.failovers.map((f) => `${f.from}>${f.to ?? 'none'}`).join(',');
    tags[`${p}decision`] = `${basePath}/tasks/${encodeURIComponent(task.id)}/decision`;
  }
  return tags;
}

/**
 * A stored task in a TES view. MINIMAL: `id` and `state`. BASIC: everything
 * but executor stdout/stderr, input `content` and `system_logs`. FULL: everything.
 */
export function renderTask(task: GatewayTask, view: TesView, basePath: string): TesTask {
  if (view === 'MINIMAL') return { id: task.id, state: task.state } as TesTask;
  const full = view === 'FULL';
  const { spec } = task;
  const out: Record<string, unknown> & Omit<TesTask, 'logs'> = { ...structuredClone(spec), id: task.id, state: task.state, creation_time: task.creationTime };
  out.tags = { ...spec.tags, ...provenanceTags(task, basePath) };
  if (!full && out.inputs) out.inputs = out.inputs.map(({ content: _content, ...input }) => input);
  if (task.log) {
    const log = structuredClone(task.log);
    if (!full) {
      delete log.system_logs;
      log.logs = log.logs.map(({ stdout: _o, stderr: _e, ...rest }) => rest);
    }
    out.logs = [log];
  }
  return out as TesTask;
}

/** A TES log for a task a site has accepted and not finished. */
export function startedLog(site: string, remoteId: string, startTime: string): TesTaskLog {
  return { logs: [], outputs: [], start_time: startTime, metadata: { site, remote_id: remoteId } };
}

/** The TES log of a finished job: executor logs, delivered outputs, system logs. */
export function finishedLog(result: JobResult, started: TesTaskLog | undefined, spec: JobSpec): TesTaskLog {
  const log: TesTaskLog = {
    logs: result.logs.executors.map((e) => {
      const entry: TesTaskLog['logs'][number] = { exit_code: e.exitCode };
      if (e.stdout !== undefined) entry.stdout = e.stdout;
      if (e.stderr !== undefined) entry.stderr = e.stderr;
      return entry;
    }),
    // the URL in the form the task gave it (a site reports where it wrote, such as a local path)
    outputs: result.outputs.map((o) => ({ url: clientOutputUrl(spec.outputs ?? [], o.path, o.url), path: o.path, size_bytes: String(o.sizeBytes) })),
    // a system log may quote an error message, and so a URL: its credentials go
    system_logs: result.logs.system.map((line) => scrubText(line)),
    end_time: new Date(result.history.at(-1)?.time ?? Date.now()).toISOString(),
    metadata: { ...started?.metadata },
  };
  if (result.siteId !== undefined) log.metadata = { ...log.metadata, site: result.siteId };
  if (result.remoteId !== undefined) log.metadata = { ...log.metadata, remote_id: result.remoteId };
  const startTime = started?.start_time;
  if (startTime !== undefined) log.start_time = startTime;
  return log;
}

/**
 * A decision record fit to leave the gateway: site URLs without
 * credentials, and the causes of attempts, failovers and the outcome
 * scrubbed of URL-borne secrets (an error message may quote a URL).
 */
export function publicDecision(record: DecisionRecord): DecisionRecord {
  const copy = structuredClone(record);
  for (const view of copy.views) if (view.site.url !== undefined) view.site.url = redactUrl(view.site.url);
  for (const item of [...copy.attempts, ...copy.failovers, ...(copy.outcome ? [copy.outcome] : [])]) if (item.cause !== undefined) item.cause = scrubText(item.cause);
  return copy;
}
