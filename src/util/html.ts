/**
 * HTML and XML escaping, shared by the notebook displays and by secret
 * redaction (a secret must also be found in its escaped form).
 * @module
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * The text with `& < > " '` escaped: safe in HTML and XML text and in quoted attributes.
 *
 * @example
 * ```ts
 * escapeHtml('<b>"x" & y</b>'); // '&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;'
 * ```
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}
