/**
 * Quoting for the POSIX shell scripts the local and Pulsar sites write. Portable.
 * @module
 */

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
