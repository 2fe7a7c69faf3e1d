/**
 * Mime bundles (`{ 'text/html': ..., 'text/plain': ... }`) of the objects a
 * notebook user looks at: a job, a network, a decision record, a page of TES
 * tasks. Every text taken from a job, a site or a server is escaped.
 * @module
 */
import type { Job } from '../jobs/job.js';
import type { DecisionRecord } from '../network/decision.js';
import type { Network } from '../network/network.js';
import type { TaskPage } from '../tes/types.js';
import type { TransferProgress } from '../transfer/progress.js';
import { escapeHtml, formatBytes, formatDuration, htmlTable, shownLocation, textTable } from './format.js';

/**
 * The key of the method Jupyter kernels for JavaScript (Deno's) call to show
 * an object richly: it returns a {@link MimeBundle}. Outside a notebook nothing
 * calls it.
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display') as never;

/** What a display method returns: one rendering per mime type. */
export interface MimeBundle {
  /** The HTML rendering. */
  'text/html'?: string;
  /** An SVG picture. */
  'image/svg+xml'?: string;
  /** The plain-text rendering (terminals, text-only front ends). */
  'text/plain': string;
}

/** An object a Jupyter kernel shows through its {@link JUPYTER_DISPLAY} method. */
export interface Displayable {
  /** Returns the object's mime bundle. */
  [JUPYTER_DISPLAY](): MimeBundle | Promise<MimeBundle>;
}

/**
 * Wraps a bundle maker into an object a notebook shows richly when it is the
 * value of a cell (or passed to `Deno.jupyter.display`).
 *
 * @example
 * ```ts
 * declare const record: DecisionRecord;
 * const shown = displayable(() => decisionBundle(record)); // the last expression of a cell
 * ```
 */
export function displayable(bundle: () => MimeBundle | Promise<MimeBundle>): Displayable {
  return { [JUPYTER_DISPLAY]: bundle };
}

const box = (cls: string, inner: string): string => `<div class="${cls}" style="font-family:sans-serif">${inner}</div>`;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A job: its state, site, remote id, the time spent in each state, exit
 * codes, and outputs with their sizes and sha256; with `transfers`, the
 * progress of each file moving (what {@link displayLive} shows).
 *
 * @example
 * ```ts
 * declare const job: Job;
 * console.log(jobBundle(job)['text/plain']);
 * ```
 */
export function jobBundle(job: Job, transfers: Iterable<TransferProgress> = []): MimeBundle {
  const result = job.result;
  const history = result?.history ?? job.history;
  const end = result ? (history.at(-1)?.time ?? Date.now()) : Date.now();
  const timings = history.map((h, i) => [h.state, h.siteState ?? '', iso(h.time), formatDuration((history[i + 1]?.time ?? end) - h.time)]);
  const outputs = (result?.outputs ?? []).map((o) => [o.path, shownLocation(o.url), formatBytes(o.sizeBytes), o.sha256 ?? '']);
  const where = job.siteId === undefined ? 'no site yet' : `on ${job.siteId}${job.remoteId ? ` (${job.remoteId})` : ''}`;
  const title = `Job ${job.id}${job.spec?.name ? ` “${job.spec.name}”` : ''}: ${job.state} ${where}`;
  const exit = result && result.exitCodes.length > 0 ? `exit codes ${result.exitCodes.join(', ')}` : '';
  const error = result?.error ? `error: ${result.error.message}` : '';
  const moving = [...transfers].map((t) => [t.direction === 'up' ? 'in' : 'out', t.file, transferred(t)]);
  const html = [
    `<b>${escapeHtml(title)}</b>`,
    htmlTable(['state', 'site state', 'since', 'for'], timings, 'pulsar-network-job-timings'),
    exit && `<div>${escapeHtml(exit)}</div>`,
    error && `<div style="color:#b00">${escapeHtml(error)}</div>`,
    moving.length > 0 && htmlTable(['transfer', 'file', 'progress'], moving, 'pulsar-network-job-transfers'),
    outputs.length > 0 && htmlTable(['output', 'delivered to', 'size', 'sha256'], outputs, 'pulsar-network-job-outputs'),
  ];
  const text = [
    title,
    textTable(['state', 'site state', 'since', 'for'], timings),
    exit,
    error,
    moving.length > 0 ? textTable(['transfer', 'file', 'progress'], moving) : '',
    outputs.length > 0 ? textTable(['output', 'delivered to', 'size', 'sha256'], outputs) : '',
  ];
  return { 'text/html': box('pulsar-network-job', html.filter(Boolean).join('')), 'text/plain': text.filter(Boolean).join('\n') };
}

function transferred(t: TransferProgress): string {
  const total = t.bytesTotal === undefined ? '' : ` of ${formatBytes(t.bytesTotal)}${t.bytesTotal > 0 ? ` (${Math.floor((t.bytesDone / t.bytesTotal) * 100)}%)` : ''}`;
  return `${formatBytes(t.bytesDone)}${total}${t.done ? ', done' : ''}`;
}

/**
 * A network's sites: kind, endpoint (without credentials), health, circuit
 * breaker, load and latency, as the network sees them now.
 *
 * @example
 * ```ts
 * declare const network: Network;
 * console.log(networkBundle(network)['text/plain']);
 * ```
 */
export function networkBundle(network: Network): MimeBundle {
  const head = ['site', 'kind', 'endpoint', 'health', 'breaker', 'in flight', 'queued', 'latency', 'error rate'];
  const rows = network.sites().map(({ site, live }) => [
    site.id,
    site.kind,
    site.url === undefined ? '' : shownLocation(site.url),
    live.probeError ? `${live.health} (${live.probeError})` : live.health,
    live.breaker,
    live.inFlight,
    live.queued,
    live.latencyMs === undefined ? '' : formatDuration(live.latencyMs),
    `${Math.round(live.errorRate * 100)}%`,
  ]);
  const title = `Network of ${rows.length} site(s), seed ${network.seed}`;
  return {
    'text/html': box('pulsar-network-network', `<b>${escapeHtml(title)}</b>${htmlTable(head, rows, 'pulsar-network-sites')}`),
    'text/plain': `${title}\n${textTable(head, rows)}`,
  };
}

/**
 * A decision record: the ranking with each site's score and reason, the
 * sites left out and why, the attempts, failovers and outcome.
 *
 * @example
 * ```ts
 * declare const network: Network;
 * declare const spec: JobSpec;
 * console.log(decisionBundle(network.explain(spec))['text/plain']);
 * ```
 */
export function decisionBundle(record: DecisionRecord): MimeBundle {
  const ranking = record.candidates.map((c, i) => [i + 1, c.site, c.score.toFixed(3), c.reason]);
  const excluded = record.excluded.map((e) => [e.site, e.by, e.reason]);
  const attempts = record.attempts.map((a) => [a.site, a.startedAt, a.ending ?? 'running', a.cause ?? '']);
  const failovers = record.failovers.map((f) => [f.from, f.to ?? '(none left)', f.at, f.cause]);
  const title = `Decision for ${record.job.name ?? record.job.id} by ${record.strategy}: ${record.chosen ?? 'no eligible site'}${record.outcome ? `; ended ${record.outcome.state}${record.outcome.site ? ` on ${record.outcome.site}` : ''}` : ''}`;
  const parts: Array<[string, string[], unknown[][]]> = [
    ['ranking', ['#', 'site', 'score', 'reason'], ranking],
    ['excluded', ['site', 'by', 'reason'], excluded],
    ['attempts', ['site', 'started', 'ending', 'cause'], attempts],
    ['failovers', ['from', 'to', 'at', 'cause'], failovers],
  ];
  const shown = parts.filter(([, , rows]) => rows.length > 0);
  const html = shown.map(([name, head, rows]) => `<div><i>${name}</i>${htmlTable(head, rows, `pulsar-network-decision-${name}`)}</div>`);
  const text = shown.map(([name, head, rows]) => `${name}:\n${textTable(head, rows)}`);
  return {
    'text/html': box('pulsar-network-decision', `<b>${escapeHtml(title)}</b>${html.join('')}`),
    'text/plain': [title, ...text].join('\n'),
  };
}

/**
 * A decision record that shows itself in a notebook (records are plain JSON:
 * they carry no display method of their own).
 *
 * @example
 * ```ts
 * declare const network: Network;
 * declare const job: Job;
 * const record = network.decision(job);
 * if (record) showDecision(record); // as the value of a cell
 * ```
 */
export function showDecision(record: DecisionRecord): Displayable {
  return displayable(() => decisionBundle(record));
}

/**
 * One page of TES tasks (what awaiting `tes.listTasks()` gives): id, state,
 * name and creation time of each, and whether more pages follow.
 *
 * @example
 * ```ts
 * declare const tes: TesClient;
 * console.log(taskPageBundle(await tes.listTasks({ view: 'BASIC' }))['text/plain']);
 * ```
 */
export function taskPageBundle(page: TaskPage<unknown>): MimeBundle {
  const field = (task: unknown, key: string): unknown => (task !== null && typeof task === 'object' ? (task as Record<string, unknown>)[key] : undefined);
  const head = ['id', 'state', 'name', 'created'];
  const rows = page.tasks.map((t) => head.map((h) => field(t, h === 'created' ? 'creation_time' : h) ?? ''));
  const more = page.nextPageToken === undefined ? 'last page' : 'more pages follow';
  const title = `${rows.length} task(s), ${more}`;
  return {
    'text/html': box('pulsar-network-tasks', `<b>${escapeHtml(title)}</b>${htmlTable(head, rows, 'pulsar-network-task-list')}`),
    'text/plain': `${title}\n${textTable(head, rows)}`,
  };
}
