/**
 * The sandbox options of a site in a network configuration (`sandbox`,
 * `sandboxFallback`, `sandboxNetwork`, `binds`), checked. Portable.
 * @module
 */
import type { ValidationIssue } from '../../errors.js';
import type { LocalBind, LocalSiteOptions } from './options.js';

/** The sandbox options every site that runs command lines takes (a local site also takes `sandboxFallback`). */
export const SANDBOX_KEYS = ['sandbox', 'sandboxNetwork', 'binds'];

/** The sandbox options of a site. */
export type SandboxOptions = Pick<LocalSiteOptions, 'sandbox' | 'sandboxFallback' | 'sandboxNetwork' | 'binds'>;

/** Reads the sandbox options present in `options`, pushing an issue (at `at(key)`) for each wrong one. */
export function readSandboxOptions(options: Record<string, unknown>, at: (key: string) => string, issues: ValidationIssue[]): SandboxOptions {
  const result: SandboxOptions = {};
  const { sandbox, sandboxFallback, sandboxNetwork, binds } = options;
  if (sandbox !== undefined) {
    if (sandbox === 'bubblewrap') result.sandbox = sandbox;
    else issues.push({ path: at('sandbox'), message: "must be 'bubblewrap'" });
  }
  if (sandboxFallback !== undefined) {
    if (sandboxFallback === 'refuse' || sandboxFallback === 'warn') result.sandboxFallback = sandboxFallback;
    else issues.push({ path: at('sandboxFallback'), message: "must be 'refuse' or 'warn'" });
  }
  if (sandboxNetwork !== undefined) {
    if (typeof sandboxNetwork === 'boolean') result.sandboxNetwork = sandboxNetwork;
    else issues.push({ path: at('sandboxNetwork'), message: 'must be true or false' });
  }
  if (binds !== undefined) {
    if (Array.isArray(binds) && binds.every(isBind)) result.binds = binds;
    else issues.push({ path: at('binds'), message: 'must be a list of absolute paths, or of { path, writable } objects' });
  }
  return result;
}

function isBind(bind: unknown): bind is LocalBind | string {
  if (typeof bind === 'string') return bind !== '';
  if (typeof bind !== 'object' || bind === null) return false;
  const { path, writable } = bind as Record<string, unknown>;
  return typeof path === 'string' && path !== '' && (writable === undefined || typeof writable === 'boolean') && Object.keys(bind).every((k) => k === 'path' || k === 'writable');
}
