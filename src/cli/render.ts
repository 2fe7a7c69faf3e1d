/**
 * What the command line prints: tables, state lines and transfer progress
 * bars. Pure functions of their input, so the tests can check the lines.
 * @module
 */
import type { JobEvent } from '../jobs/events.js';
import type { DecisionRecord } from '../network/decision.js';
import type { Candidate } from '../network/types.js';
import type { SiteProbe } from '../sites/site.js';

/** Lays out rows under a header, columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/**
 * A site's health as the `sites` table says it: `healthy`, `unreachable` (no
 * answer: connection refused, no such host, TLS failure, timeout) or
 * `refusing` (it answered with an error) with the probe's cause, else what
 * traffic says (`degraded`, `down`, `unknown`).
 */
export function healthLabel(live: Candidate['live'], probe: SiteProbe | undefined): string {
  if (probe && !probe.ok) return `${probe.failure ?? (live.health === 'refusing' ? 'refusing' : 'unreachable')} (${probe.error ?? 'probe failed'})`;
  return live.health;
}

/** The `sites` table: health, capabilities, load and circuit state of each site. */
export function sitesTable(sites: Candidate[], probes: Map<string, SiteProbe>): string[] {
  return table(
    ['SITE', 'KIND', 'HEALTH', 'CIRCUIT', 'IN-FLIGHT', 'QUEUED', 'LATENCY', 'VERSION', 'RUNTIMES', 'MAX CORES/GB', 'STORAGES'],
    sites.map(({ site, live }) => {
      const probe = probes.get(site.id);
      return [
        site.id,
        site.kind,
        healthLabel(live, probe),
        live.breaker,
        String(live.inFlight),
        String(live.queued),
        live.latencyMs === undefined ? '-' : `${Math.round(live.latencyMs)} ms`,
        site.version ?? '-',
        probe?.containerRuntimes ? probe.containerRuntimes.join(',') || 'none' : '-',
        `${site.resources.maxCores ?? '-'}/${site.resources.maxMemoryGb ?? '-'}`,
        site.storages.join(',') || '-',
      ];
    }),
  );
}

/** The `explain` output: the choice, the ranking with its score terms, the excluded sites. */
export function explainLines(record: DecisionRecord): string[] {
  const lines = [`chosen: ${record.chosen ?? 'none (no eligible site)'}   strategy: ${record.strategy}   seed: ${record.seed}`];
  if (record.candidates.length > 0) {
    lines.push('', ...table(
      ['RANK', 'SITE', 'SCORE', 'TERMS', 'REASON'],
      record.candidates.map((c, i) => [String(i + 1), c.site, c.score.toFixed(3), Object.entries(c.terms).filter(([k]) => !k.includes('.')).map(([k, v]) => `${k}=${round(v)}`).join(' '), c.reason]),
    ));
  }
  if (record.excluded.length > 0) lines.push('', ...table(['EXCLUDED', 'BY', 'REASON'], record.excluded.map((e) => [e.site, e.by, e.reason])));
  return lines;
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

/**
 * The line(s) for a job event in `submit --watch` (undefined for events not shown as lines); each log line is prefixed with its stream.
 * Control characters (other than newlines and tabs) are shown as `?`: reasons, ids, states and logs come from sites and jobs,
 * and an escape sequence in them would drive the user's terminal.
 */
export function eventLine(event: JobEvent): string | undefined {
  return eventText(event)?.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
}

function eventText(event: JobEvent): string | undefined {
  switch (event.type) {
    case 'state':
      return `state  ${event.previous ? `${event.previous} -> ` : ''}${event.state}${event.siteState ? ` (${event.siteState})` : ''}`;
    case 'site':
      return `site   ${event.action} ${event.siteId}${event.remoteId ? ` as ${event.remoteId}` : ''}${event.reason ? `: ${event.reason}` : ''}`;
    case 'transfer':
      return event.done ? `${event.direction === 'up' ? 'staged ' : 'fetched'} ${event.file} (${formatBytes(event.bytesDone)})` : undefined;
    case 'error':
      return `error  ${event.fatal ? 'fatal: ' : ''}${event.error.message}`;
    case 'done':
      return `done   ${event.result.state}${event.result.exitCodes.length > 0 ? ` (exit codes ${event.result.exitCodes.join(', ')})` : ''}`;
    case 'log': {
      const text = event.text.replace(/\r?\n$/, '');
      if (text === '') return undefined;
      const label = event.stream === 'system' ? 'system' : `${event.stream}[${event.executor ?? 0}]`;
      return text
        .split(/\r?\n/)
        .map((line) => `log    ${label} | ${line}`)
        .join('\n');
    }
  }
}

/** A transfer in flight, for the progress bars. */
export interface TransferBar {
  file: string;
  direction: 'up' | 'down';
  bytesDone: number;
  bytesTotal?: number;
  done: boolean;
}

/** One progress bar line: `up   [########------------]  40%  4.0 MB/10.0 MB  reads.fq`. */
export function progressBar(bar: TransferBar, width = 20): string {
  const arrow = bar.direction === 'up' ? 'up  ' : 'down';
  if (bar.bytesTotal === undefined || bar.bytesTotal <= 0) {
    return `${arrow} [${bar.done ? '#'.repeat(width) : '?'.repeat(width)}]  ${bar.done ? 'done' : '    '}  ${formatBytes(bar.bytesDone)}  ${bar.file}`;
  }
  const share = Math.min(1, bar.bytesDone / bar.bytesTotal);
  const filled = Math.round(share * width);
  return `${arrow} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${formatBytes(bar.bytesDone)}/${formatBytes(bar.bytesTotal)}  ${bar.file}`;
}

/** The live block of a TTY watch: the state line, then one bar per transfer. */
export function liveBlock(state: string, bars: Iterable<TransferBar>, width = 20): string[] {
  return [`state: ${state}`, ...[...bars].map((b) => progressBar(b, width))];
}

/** `1536` → `1.5 KB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
