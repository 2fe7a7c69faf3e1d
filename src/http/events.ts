/**
 * Events the HTTP layer reports for every attempt. URLs in them are redacted.
 * @module
 */

/** One observation of the HTTP layer; feed it to logs, metrics or passive health. */
export type HttpEvent =
  | { type: 'request'; method: string; url: string; attempt: number }
  | { type: 'response'; method: string; url: string; attempt: number; status: number; durationMs: number }
  | { type: 'retry'; method: string; url: string; attempt: number; delayMs: number; reason: string }
  | { type: 'failure'; method: string; url: string; attempt: number; durationMs: number; reason: string };

/** Receives {@link HttpEvent}s. It must not throw; errors it throws are ignored. */
export type HttpEventListener = (event: HttpEvent) => void;
