/**
 * Messages for a value outside a fixed set: the set, the value given, and
 * the nearest allowed value when one is close.
 * @module
 */

/** Edit distance (insertions, deletions, substitutions) between two short strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}

/** The allowed value nearest to `value` (case-insensitive, at most a third of its length away), if any. */
function nearest(allowed: readonly string[], value: string): string | undefined {
  const given = value.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of allowed) {
    const d = editDistance(given, name.toLowerCase());
    if (d <= Math.max(1, Math.floor(name.length / 3)) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/**
 * `must be one of a, b, c — got "x"; did you mean "y"?` (the guess only when
 * one is close; the value shown as JSON, shortened past 40 characters).
 */
export function mustBeOneOf(allowed: readonly string[], value: unknown): string {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : String(value);
  const guess = typeof value === 'string' ? nearest(allowed, value) : undefined;
  return `must be one of ${allowed.join(', ')} — got ${shown}${guess ? `; did you mean "${guess}"?` : ''}`;
}
