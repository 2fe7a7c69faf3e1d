/**
 * `timelineSvg`: a {@link Timeline} as a self-contained SVG picture: one row
 * per attempt, grouped by site, each bar split into its phases, failovers
 * marked with a red cross and a dashed line to the job's next attempt.
 * @module
 */
import { escapeHtml, formatDuration } from './format.js';
import type { Timeline, TimelineAttempt, TimelinePhase } from './timeline.js';

/** Options of {@link timelineSvg}. */
export interface TimelineSvgOptions {
  /** Width of the picture in pixels. @default 900 */
  width?: number;
  /** A title above the rows. */
  title?: string;
}

/** The colour of each phase (also in the legend). */
export const PHASE_COLOURS: Readonly<Record<TimelinePhase, string>> = {
  staging: '#9ecae1',
  queued: '#fdd49e',
  running: '#74c476',
  transfer: '#9e9ac8',
};

const ROW = 22;
const BAR = 14;
const LABEL = 210;
const TOP = 44;

/** Tick spacing in milliseconds for a span: about six ticks, on round values. */
function tickStep(span: number): number {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
  return steps.find((s) => span / s <= 8) ?? 3_600_000 * Math.ceil(span / 3_600_000 / 8);
}

/** Attempts ordered by site (in order of first use), then by start. */
function rows(timeline: Timeline): TimelineAttempt[] {
  const siteOrder = new Map<string, number>();
  for (const a of timeline.attempts) if (!siteOrder.has(a.site)) siteOrder.set(a.site, siteOrder.size);
  return [...timeline.attempts].sort((a, b) => (siteOrder.get(a.site) ?? 0) - (siteOrder.get(b.site) ?? 0) || a.start - b.start);
}

const endColour = (ending: string | undefined): string => (ending === 'complete' ? '#238b45' : ending === undefined ? '#888' : '#cb181d');

/**
 * Draws a timeline as SVG: no browser, no fonts to load, well-formed XML
 * with every name escaped. Each attempt is a `<g class="attempt">`; each
 * failover a `<g class="failover">`.
 *
 * @example
 * ```ts
 * declare const recorder: TimelineRecorder;
 * const svg = timelineSvg(recorder.timeline(), { title: 'nightly run', width: 1000 });
 * console.log(svg.startsWith('<svg'));
 * ```
 */
export function timelineSvg(timeline: Timeline, options: TimelineSvgOptions = {}): string {
  const width = options.width ?? 900;
  const ordered = rows(timeline);
  const span = Math.max(timeline.end - timeline.start, 1);
  const plot = width - LABEL - 20;
  const x = (t: number): number => LABEL + ((t - timeline.start) / span) * plot;
  const height = TOP + Math.max(ordered.length, 1) * ROW + 40;
  const rowOf = new Map(ordered.map((a, i) => [a, i]));
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  if (options.title) parts.push(`<text x="8" y="16" font-weight="bold">${escapeHtml(options.title)}</text>`);
  parts.push(axis(timeline.start, span, x, height));
  let previousSite: string | undefined;
  ordered.forEach((attempt, i) => {
    const y = TOP + i * ROW;
    const site = attempt.site === previousSite ? '' : attempt.site;
    previousSite = attempt.site;
    if (site) parts.push(`<line x1="0" x2="${width}" y1="${y - 3}" y2="${y - 3}" stroke="#ddd"/>`);
    parts.push(attemptGroup(attempt, y, site, x));
  });
  parts.push(...failoverMarks(ordered, rowOf, x));
  parts.push(legend(height - 14));
  const label = `Timeline of ${ordered.length} attempt(s) over ${formatDuration(span)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11" role="img" aria-label="${escapeHtml(label)}">`,
    ...parts,
    '</svg>',
  ].join('\n');
}

function attemptGroup(attempt: TimelineAttempt, y: number, site: string, x: (t: number) => number): string {
  const who = attempt.jobName ? `${attempt.jobName} (${attempt.jobId})` : attempt.jobId;
  const tip = `${who} on ${attempt.site}: ${attempt.ending ?? 'going on'}, ${formatDuration(attempt.end - attempt.start)}${attempt.failover ? `; failover: ${attempt.failover.reason}` : ''}`;
  const bars = attempt.segments.map((s) => {
    const w = Math.max(x(s.end) - x(s.start), 1);
    return `<rect class="segment phase-${s.phase}" x="${x(s.start).toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${PHASE_COLOURS[s.phase]}"><title>${escapeHtml(`${s.phase}: ${formatDuration(s.end - s.start)}`)}</title></rect>`;
  });
  const end = x(attempt.end);
  return [
    `<g class="attempt" data-job="${escapeHtml(attempt.jobId)}" data-site="${escapeHtml(attempt.site)}" data-ending="${escapeHtml(attempt.ending ?? '')}">`,
    `<title>${escapeHtml(tip)}</title>`,
    site ? `<text x="8" y="${y + 11}" font-weight="bold">${escapeHtml(clip(site, 16))}</text>` : '',
    `<text x="${LABEL - 6}" y="${y + 11}" text-anchor="end" fill="#444">${escapeHtml(clip(attempt.jobName ?? attempt.jobId, 18))}</text>`,
    ...bars,
    `<rect x="${(end - 1).toFixed(1)}" y="${y - 1}" width="3" height="${BAR + 2}" fill="${endColour(attempt.ending)}"/>`,
    '</g>',
  ].join('');
}

/** A red cross at the end of each attempt the job left, and a dashed line to its next attempt. */
function failoverMarks(ordered: TimelineAttempt[], rowOf: Map<TimelineAttempt, number>, x: (t: number) => number): string[] {
  const marks: string[] = [];
  // Each job's attempts by start, made once: finding the attempt after a failover looks at its own job only.
  const byJob = new Map<string, TimelineAttempt[]>();
  for (const attempt of ordered) {
    const list = byJob.get(attempt.jobId);
    if (list) list.push(attempt);
    else byJob.set(attempt.jobId, [attempt]);
  }
  for (const list of byJob.values()) list.sort((a, b) => a.start - b.start);
  for (const attempt of ordered) {
    if (!attempt.failover) continue;
    const row = rowOf.get(attempt) ?? 0;
    const cx = x(attempt.end);
    const cy = TOP + row * ROW + BAR / 2;
    const next = byJob.get(attempt.jobId)?.find((a) => a !== attempt && a.start >= attempt.end);
    const link = next
      ? `<path d="M${cx.toFixed(1)},${cy} L${x(next.start).toFixed(1)},${TOP + (rowOf.get(next) ?? 0) * ROW + BAR / 2}" stroke="#cb181d" stroke-dasharray="3,2" fill="none"/>`
      : '';
    marks.push(
      `<g class="failover" data-job="${escapeHtml(attempt.jobId)}" data-from="${escapeHtml(attempt.site)}" data-to="${escapeHtml(next?.site ?? '')}"><title>${escapeHtml(`failover from ${attempt.site}: ${attempt.failover.reason}`)}</title>${link}<path d="M${cx - 5},${cy - 5} L${cx + 5},${cy + 5} M${cx - 5},${cy + 5} L${cx + 5},${cy - 5}" stroke="#cb181d" stroke-width="2.5"/></g>`,
    );
  }
  return marks;
}

function axis(start: number, span: number, x: (t: number) => number, height: number): string {
  const step = tickStep(span);
  const ticks: string[] = [];
  for (let t = 0; t <= span; t += step) {
    const px = x(start + t).toFixed(1);
    ticks.push(`<line x1="${px}" x2="${px}" y1="${TOP - 8}" y2="${height - 30}" stroke="#eee"/><text x="${px}" y="${TOP - 12}" text-anchor="middle" fill="#666">${escapeHtml(formatDuration(t))}</text>`);
  }
  return `<g class="axis">${ticks.join('')}</g>`;
}

function legend(y: number): string {
  const items = Object.entries(PHASE_COLOURS).map(
    ([phase, colour], i) => `<rect x="${8 + i * 90}" y="${y - 9}" width="12" height="10" fill="${colour}"/><text x="${24 + i * 90}" y="${y}">${phase}</text>`,
  );
  const cross = `<path d="M${8 + 4 * 90},${y - 9} l8,8 m-8,0 l8,-8" stroke="#cb181d" stroke-width="2"/><text x="${24 + 4 * 90}" y="${y}">failover</text>`;
  return `<g class="legend">${items.join('')}${cross}</g>`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
