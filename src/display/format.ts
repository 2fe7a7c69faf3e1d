/**
 * Small text helpers of the display layer: HTML escaping, sizes, durations.
 * @module
 */

import { redactUrl } from '../redact.js';
import { escapeHtml } from '../util/html.js';

export { escapeHtml } from '../util/html.js';

/** A byte count for people: `512 B`, `1.5 KiB`, `3.2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A duration for people: `850 ms`, `12.3 s`, `4 min 05 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** An HTML table: `head` and `rows` are cell texts (escaped here). */
export function htmlTable(head: readonly string[], rows: ReadonlyArray<readonly unknown[]>, className: string): string {
  const th = head.map((h) => `<th style="text-align:left;padding:2px 8px">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td style="padding:2px 8px">${escapeHtml(cell ?? '')}</td>`).join('')}</tr>`).join('');
  return `<table class="${className}" style="border-collapse:collapse;font-size:90%"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Plain-text columns, padded to the widest cell. */
export function textTable(head: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const all = [head, ...rows].map((row) => row.map((cell) => String(cell ?? '')));
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** A location fit to show: a URL without its credentials; a plain path as it is. */
export function shownLocation(location: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? redactUrl(location) : location;
}
