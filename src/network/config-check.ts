/**
 * A small checker that walks untrusted input and collects every problem with
 * its JSON path, so a configuration is reported whole, not first-error-only.
 * @module
 */
import type { ValidationIssue } from '../errors.js';
import { editDistance, mustBeOneOf } from '../util/did-you-mean.js';

/** Collects issues while reading values out of unknown input. */
export class Checker {
  readonly issues: ValidationIssue[] = [];

  fail(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  /** A plain object, with no keys outside `allowed`. */
  object(path: string, value: unknown, allowed?: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, `must be an object, got ${describe(value)}`);
    const record = value as Record<string, unknown>;
    if (allowed) {
      for (const key of Object.keys(record)) {
        if (!allowed.includes(key)) {
          const near = closest(key, allowed);
          this.fail(`${path}.${key}`, `unknown key${near ? ` (did you mean "${near}"?)` : ''}`);
        }
      }
    }
    return record;
  }

  array(path: string, value: unknown): unknown[] | undefined {
    if (!Array.isArray(value)) return this.fail(path, `must be an array, got ${describe(value)}`);
    return value;
  }

  string(path: string, value: unknown, options: { pattern?: RegExp; patternText?: string } = {}): string | undefined {
    if (typeof value !== 'string' || value.length === 0) return this.fail(path, `must be a non-empty string, got ${describe(value)}`);
    if (options.pattern && !options.pattern.test(value)) return this.fail(path, `must match ${options.patternText ?? String(options.pattern)}, got ${JSON.stringify(value)}`);
    return value;
  }

  number(path: string, value: unknown, options: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(path, `must be a finite number, got ${describe(value)}`);
    if (options.integer && !Number.isInteger(value)) return this.fail(path, `must be an integer, got ${value}`);
    if (options.min !== undefined && (options.exclusiveMin ? value <= options.min : value < options.min))
      return this.fail(path, `must be ${options.exclusiveMin ? 'greater than' : 'at least'} ${options.min}, got ${value}`);
    if (options.max !== undefined && value > options.max) return this.fail(path, `must be at most ${options.max}, got ${value}`);
    return value;
  }

  boolean(path: string, value: unknown): boolean | undefined {
    if (typeof value !== 'boolean') return this.fail(path, `must be true or false, got ${describe(value)}`);
    return value;
  }

  oneOf<T extends string>(path: string, value: unknown, choices: readonly T[]): T | undefined {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value))
      return this.fail(path, mustBeOneOf(choices, value));
    return value as T;
  }

  /** A list of non-empty strings. */
  strings(path: string, value: unknown): string[] | undefined {
    const list = this.array(path, value);
    if (!list) return undefined;
    const out: string[] = [];
    list.forEach((item, i) => {
      const s = this.string(`${path}[${i}]`, item);
      if (s !== undefined) out.push(s);
    });
    return out;
  }
}

/** Describes a value's type for messages, never its content (it may be a secret). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : 'a string';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

function closest(word: string, choices: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const choice of choices) {
    const d = editDistance(word.toLowerCase(), choice.toLowerCase());
    if (d < bestDistance) {
      best = choice;
      bestDistance = d;
    }
  }
  return best;
}
