/**
 * Output manifests: Pulsar downloads carry no Content-Length, so a cut-off
 * output looks whole on the wire. A job therefore ends by writing a manifest
 * (name, size, sha256 of every output); the client fetches it, checks each
 * output against it, and fetches again on a mismatch.
 *
 * Format (one line each, `\n`-separated, names are the rest of the line):
 *
 * ```
 * pulsar-network-manifest 1
 * <sha256> <size> <name>
 * - - <name>              (an output the job did not produce)
 * end <number of entries>
 * ```
 * @module
 */
import { ProtocolError, ValidationError } from '../errors.js';

/** One output as the job saw it. */
export interface ManifestEntry {
  /** The output's name (the rest of its manifest line). */
  name: string;
  /** Absent when the job did not produce this output. */
  size?: number;
  /** Lowercase hex sha256; absent when the output is missing. */
  sha256?: string;
}

/**
 * One output of the job, as the manifest script finds it: a file (`path`),
 * every regular file below a directory (`directory`), or the files of a
 * directory whose base names match `pattern` (`directory` + `pattern`).
 * A file is listed under `name`; the files of a directory under
 * `<name>/<path below the directory>`, those of a pattern under
 * `<name>/<base name>`. Names with a newline are left out of a directory's
 * listing (the manifest is line-based).
 */
export type ManifestOutput =
  | {
      /** The name the output gets in the manifest (one line, not empty). */
      name: string;
      /** Path as the job's shell sees it (relative to its working directory, or absolute). */
      path: string;
    }
  | {
      /** The name its files are listed under, followed by `/` and each file's path below the directory (one line, not empty). */
      name: string;
      /** Directory as the job's shell sees it. */
      directory: string;
      /** A base-name pattern where `*` matches any run of characters and `?` one character (nothing else is special). */
      pattern?: string;
    };

const HEADER = 'pulsar-network-manifest 1';

/**
 * A portable `sh` snippet that a job appends as its last step: it writes the
 * manifest of `outputs` to `manifestPath` (through a temporary name and `mv`,
 * so a half-written manifest never appears) and then leaves `$?` as the job
 * command set it, so the job's exit code is unchanged. It hashes a file over
 * 1 MiB with `openssl dgst -sha256`, else `sha256sum`, else `shasum -a 256`
 * (the first that exists and prints a digest; smaller files try `sha256sum`
 * first, which starts faster), and counts bytes with `wc -c`.
 *
 * Append it after the command with a newline or `; `.
 *
 * @example
 * ```ts
 * const script = manifestScript([{ name: 'out.txt', path: '../outputs/out.txt' }], '../outputs/manifest.txt');
 * const withManifest = `${commandLine}\n${script}`;
 * ```
 */
export function manifestScript(outputs: readonly ManifestOutput[], manifestPath: string): string {
  const singleLine = (value: string | undefined): boolean => !!value && !/[\n\r\0]/.test(value);
  const issues = outputs.flatMap((output, i) => {
    const found = [];
    if (!singleLine(output.name)) found.push({ path: `$[${i}].name`, message: 'must be a non-empty single line' });
    if ('path' in output) {
      if (!singleLine(output.path)) found.push({ path: `$[${i}].path`, message: 'must be a non-empty single line' });
    } else {
      if (!singleLine(output.directory)) found.push({ path: `$[${i}].directory`, message: 'must be a non-empty single line' });
      if (output.pattern !== undefined && (!singleLine(output.pattern) || output.pattern.includes('/'))) {
        found.push({ path: `$[${i}].pattern`, message: 'must be a non-empty base-name pattern (no "/")' });
      }
    }
    return found;
  });
  if (!singleLine(manifestPath)) issues.push({ path: 'manifestPath', message: 'must be a non-empty single line' });
  if (issues.length > 0) throw new ValidationError('manifest outputs', issues);

  const target = shellQuote(manifestPath);
  const partial = shellQuote(`${manifestPath}.partial`);
  const lines = [
    '__pn_rc=$?',
    // Hashers in order of speed for the file's size: openssl uses the CPU's SHA extensions (5x
    // sha256sum's throughput here) but starts 4x slower, so files up to 1 MiB go to sha256sum first.
    // A tool that is missing, fails or prints no 64-hex digest falls through to the next.
    // Results come back in variables, not `$(...)`: a subshell per file costs more than a small file's hash.
    '__pn_hex() { case "$1" in *[!0-9a-f]*) return 1;; esac; [ ${#1} -eq 64 ] && __pn_h=$1; }',
    '__pn_openssl() { command -v openssl >/dev/null 2>&1 || return 1; __pn_h=$(openssl dgst -sha256 -r < "$1" 2>/dev/null); __pn_hex "${__pn_h%%[!0-9a-f]*}" && return 0; ' +
      // An openssl without -r prints "SHA2-256(stdin)= <hex>".
      '__pn_h=$(openssl dgst -sha256 < "$1" 2>/dev/null); __pn_hex "${__pn_h##* }"; }',
    '__pn_sha256sum() { command -v sha256sum >/dev/null 2>&1 && __pn_h=$(sha256sum < "$1" 2>/dev/null) && __pn_hex "${__pn_h%%[!0-9a-f]*}"; }',
    '__pn_shasum() { command -v shasum >/dev/null 2>&1 && __pn_h=$(shasum -a 256 < "$1" 2>/dev/null) && __pn_hex "${__pn_h%%[!0-9a-f]*}"; }',
    '__pn_sha() { if [ "$2" -gt 1048576 ]; then __pn_openssl "$1" || __pn_sha256sum "$1" || __pn_shasum "$1"; ' +
      'else __pn_sha256sum "$1" || __pn_openssl "$1" || __pn_shasum "$1"; fi || __pn_h=""; }',
    '__pn_entry() { if [ -f "$1" ]; then __pn_n=$(wc -c < "$1"); __pn_n=$((__pn_n)); __pn_sha "$1" "$__pn_n"; printf "%s %s %s\\n" "$__pn_h" "$__pn_n" "$2"; ' +
      'else printf "%s %s\\n" "- -" "$2"; fi; }',
    // Every regular file below $1 (names with a newline left out), listed as $2/<path below $1>.
    '__pn_tree() { [ -d "$1" ] || return 0; find "$1" -type f ! -name "$(printf \'*\\n*\')" | sort | while IFS= read -r __pn_f; do __pn_entry "$__pn_f" "$2${__pn_f#"$1"}"; done; }',
    `{ printf "%s\\n" ${shellQuote(HEADER)}`,
    ...outputs.map((output) => `  ${entryCommand(output)}`),
    '  :',
    // The count is taken from what was written: directories and patterns are only known now.
    `} > ${partial} && printf "end %s\\n" "$(($(wc -l < ${partial}) - 1))" >> ${partial} && mv -f ${partial} ${target}`,
    '(exit $__pn_rc)',
  ];
  return lines.join('\n');
}

function entryCommand(output: ManifestOutput): string {
  if ('path' in output) return `__pn_entry ${shellQuote(output.path)} ${shellQuote(output.name)}`;
  const directory = output.directory.replace(/(.)\/+$/, '$1');
  if (output.pattern === undefined) return `__pn_tree ${shellQuote(directory)} ${shellQuote(output.name)}`;
  // The pattern's literal runs are quoted; only * and ? stay active for the shell.
  const glob = output.pattern
    .split(/([*?])/)
    .map((part) => (part === '*' || part === '?' ? part : part === '' ? '' : shellQuote(part)))
    .join('');
  return `for __pn_f in ${shellQuote(directory)}/${glob}; do if [ -f "$__pn_f" ]; then __pn_entry "$__pn_f" ${shellQuote(`${output.name}/`)}"\${__pn_f##*/}"; fi; done`;
}

/**
 * Parses a manifest. A manifest without its `end` line, with a wrong entry
 * count or with a malformed line was cut short or damaged: that throws a
 * {@link ProtocolError} (fetch it again).
 *
 * @example
 * ```ts
 * const entries = parseManifest(await http.text({ path: `jobs/${id}/files`, query: { name: 'manifest.txt' } }));
 * ```
 */
export function parseManifest(text: string, where = 'output manifest'): ManifestEntry[] {
  const fail = (problem: string, excerpt?: string): never => {
    throw new ProtocolError({ where, problem, ...(excerpt !== undefined ? { excerpt: excerpt.slice(0, 120) } : {}) });
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== HEADER) fail(`the manifest does not start with "${HEADER}"`, lines[0] ?? '');
  const last = lines[lines.length - 1] ?? '';
  const end = /^end (\d+)$/.exec(last);
  if (!end || lines.length < 2) return fail('the manifest is cut short (no end line)', last);
  const body = lines.slice(1, -1);
  if (Number(end[1]) !== body.length) fail(`the manifest announces ${end[1]} entries but holds ${body.length}`);
  // Outputs may overlap (a directory and a pattern inside it): the same line twice is one entry.
  const seen = new Map<string, string>();
  const entries: ManifestEntry[] = [];
  body.forEach((line, i) => {
    const match = /^(?:([0-9a-f]{64}) (\d+)|- -) (.+)$/.exec(line);
    if (!match) return fail(`line ${i + 2} is not "<sha256> <size> <name>"`, line);
    const name = match[3] as string;
    const earlier = seen.get(name);
    if (earlier === line) return;
    if (earlier !== undefined) fail(`output ${name} is listed twice, differently`);
    seen.set(name, line);
    entries.push(match[1] === undefined ? { name } : { name, sha256: match[1], size: Number(match[2]) });
  });
  return entries;
}

/** One disagreement between a manifest and what was collected. */
export interface ManifestMismatch {
  /** The collected output's name. */
  name: string;
  /** The manifest has no entry of that name; says it was not produced; or its size or sha256 differs. */
  problem: 'missing-from-manifest' | 'not-produced' | 'size' | 'sha256';
  /** The manifest's value (size in bytes, or hex sha256), for `size` and `sha256`. */
  expected?: string;
  /** The collected value, for `size` and `sha256`. */
  actual?: string;
}

/**
 * Checks collected outputs against the manifest; returns every mismatch (an
 * empty list means all is well). Outputs the job did not produce and that
 * were not collected are not mismatches.
 *
 * @example
 * ```ts
 * declare const entries: ManifestEntry[];
 * declare const collected: Array<{ path: string; sizeBytes: number; sha256: string }>;
 * const bad = verifyManifest(entries, collected.map((c) => ({ name: c.path, size: c.sizeBytes, sha256: c.sha256 })));
 * for (const m of bad) console.log('fetch again:', m.name);
 * ```
 */
export function verifyManifest(
  manifest: readonly ManifestEntry[],
  collected: ReadonlyArray<{ name: string; size: number; sha256: string }>,
): ManifestMismatch[] {
  const byName = new Map(manifest.map((entry) => [entry.name, entry]));
  const mismatches: ManifestMismatch[] = [];
  for (const item of collected) {
    const entry = byName.get(item.name);
    if (!entry) mismatches.push({ name: item.name, problem: 'missing-from-manifest' });
    else if (entry.sha256 === undefined || entry.size === undefined) mismatches.push({ name: item.name, problem: 'not-produced' });
    else if (entry.size !== item.size) mismatches.push({ name: item.name, problem: 'size', expected: String(entry.size), actual: String(item.size) });
    else if (entry.sha256 !== item.sha256.toLowerCase()) mismatches.push({ name: item.name, problem: 'sha256', expected: entry.sha256, actual: item.sha256 });
  }
  return mismatches;
}

/**
 * Quotes a string for POSIX `sh` (single quotes; embedded ones closed and escaped).
 *
 * @example
 * ```ts
 * shellQuote("it's here"); // 'it'\''s here'
 * ```
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
