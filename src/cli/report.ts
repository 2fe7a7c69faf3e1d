/**
 * `submit --report FILE`: a picture of what happened to the task, written
 * when it ends: the timeline as SVG (`.svg`), or an HTML page (`.html`)
 * with the timeline and the decision record.
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { decisionBundle, escapeHtml } from '../display/index.js';
import type { TimelineRecorder } from '../display/timeline.js';
import { ValidationError } from '../errors.js';
import type { DecisionRecord } from '../network/decision.js';

/** The report's format, from its file name. */
export type ReportFormat = 'svg' | 'html';

/** Checks the `--report` file name before anything is sent: it must end in `.svg` or `.html`. */
export function parseReportPath(value: string): string {
  reportFormat(value);
  return value;
}

function reportFormat(path: string): ReportFormat {
  const match = /\.(svg|html?)$/i.exec(path);
  if (!match) throw new ValidationError('arguments', [{ path: '--report', message: `${path}: the report is an .svg picture or an .html page` }]);
  return (match[1] as string).toLowerCase() === 'svg' ? 'svg' : 'html';
}

/** What a report shows. */
export interface ReportContent {
  /** The recorder that watched the network while the task ran. */
  recorder: TimelineRecorder;
  /** The title: the task's id and final state. */
  title: string;
  /** The task's decision record (already fit to print). */
  decision?: DecisionRecord | undefined;
  /** Applied to the whole text before it is written: scrubs secrets. */
  scrub: (text: string) => string;
}

/** Writes the report; returns its format. */
export async function writeReport(path: string, content: ReportContent): Promise<ReportFormat> {
  const format = reportFormat(path);
  const svg = content.recorder.toSvg({ title: content.title });
  const text =
    format === 'svg'
      ? `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`
      : [
          '<!doctype html>',
          '<html><head><meta charset="utf-8">',
          `<title>${escapeHtml(content.title)}</title>`,
          '</head><body style="font-family:sans-serif">',
          `<h1 style="font-size:120%">${escapeHtml(content.title)}</h1>`,
          svg,
          content.decision ? decisionBundle(content.decision)['text/html'] : '<p>No decision record: the task was not submitted.</p>',
          '</body></html>',
          '',
        ].join('\n');
  await writeFile(path, content.scrub(text));
  return format;
}
