/**
 * What the task validator and the answer decoder both need to read TES JSON.
 * @module
 */

/** A JSON object, as read from a task or an answer. */
export type Json = Record<string, unknown>;

/** True for a JSON object: not null, not an array. */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a string. */
export const isString = (value: unknown): value is string => typeof value === 'string';

/** The snake_case spelling of a camelCase field name (`ramGb` → `ram_gb`), as TES spells its fields. */
export function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
