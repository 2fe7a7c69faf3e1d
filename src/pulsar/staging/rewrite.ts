/**
 * Local-to-remote path rewriting of command lines and config files, as
 * Pulsar's client does it after staging: each registered local path (a file,
 * or a directory and everything below it) is replaced by its server path.
 * Portable: pure string work.
 * @module
 */

/**
 * Joins a server directory and a `/`-separated relative name with the server's separator.
 *
 * @example
 * ```ts
 * remoteJoin('C:\\pulsar\\7\\inputs', 'a_files/x.txt', '\\'); // 'C:\\pulsar\\7\\inputs\\a_files\\x.txt'
 * ```
 */
export function remoteJoin(directory: string, name: string, separator: string): string {
  const tail = name.split('/').filter((part) => part !== '').join(separator);
  if (!tail) return directory;
  return directory.endsWith(separator) ? `${directory}${tail}` : `${directory}${separator}${tail}`;
}

/**
 * Maps local paths to server paths and rewrites text with the map.
 *
 * Matching is by whole path: a registered path is replaced only where it is not
 * part of a longer name (`/data/x` does not touch `/data/xy`), a directory also
 * rewrites the paths below it, the longest registered path wins, and replaced
 * text is never rewritten again.
 *
 * @example
 * ```ts
 * const rewriter = new PathRewriter('/');
 * rewriter.add('/home/me/in.txt', '/srv/pulsar/staging/7/inputs/in.txt');
 * rewriter.addDirectory('/home/me/idx', '/srv/pulsar/staging/7/unstructured/ab12');
 * rewriter.rewrite('cat /home/me/in.txt /home/me/idx/bwa/h.fa');
 * // 'cat /srv/pulsar/staging/7/inputs/in.txt /srv/pulsar/staging/7/unstructured/ab12/bwa/h.fa'
 * ```
 */
export class PathRewriter {
  readonly #files = new Map<string, string>();
  readonly #directories = new Map<string, string>();
  #pattern: RegExp | undefined;

  /** @param separator The server's path separator, used below rewritten directories. */
  constructor(readonly separator: string) {}

  /** Registers one local file path and its server path. */
  add(local: string, remote: string): void {
    this.#files.set(trimSlash(local), remote);
    this.#pattern = undefined;
  }

  /** Registers a local directory: it and every path below it are rewritten. */
  addDirectory(local: string, remote: string): void {
    this.#directories.set(trimSlash(local), trimSeparator(remote, this.separator));
    this.#pattern = undefined;
  }

  /** The server path of a local path, or `undefined` when nothing registered covers it. */
  lookup(local: string): string | undefined {
    const path = trimSlash(local);
    const file = this.#files.get(path);
    if (file !== undefined) return file;
    let best: [string, string] | undefined;
    for (const [dir, remote] of this.#directories) {
      if ((path === dir || path.startsWith(`${dir}/`)) && (!best || dir.length > best[0].length)) best = [dir, remote];
    }
    if (!best) return undefined;
    return remoteJoin(best[1], path.slice(best[0].length), this.separator);
  }

  /** True when the text names the local path (as a whole path, or a path below it). */
  mentions(text: string, local: string): boolean {
    return pathPattern([trimSlash(local)], true).test(text);
  }

  /** Replaces every registered local path in the text by its server path. */
  rewrite(text: string): string {
    if (this.#files.size === 0 && this.#directories.size === 0) return text;
    this.#pattern ??= pathPattern([...this.#files.keys(), ...this.#directories.keys()], true, 'g');
    return text.replace(this.#pattern, (match) => this.lookup(match) ?? match);
  }
}

/**
 * A pattern matching any of the paths as a whole path (optionally with a
 * `/…` tail), longest first. A path must not continue a longer name on its
 * left, and must end at a character that cannot continue a name.
 */
function pathPattern(paths: string[], withTail: boolean, flags = ''): RegExp {
  const alternatives = [...new Set(paths)].sort((a, b) => b.length - a.length).map(escape).join('|');
  const tail = withTail ? String.raw`(?:/[^\s"'\`;|&<>()$]*)?` : '';
  return new RegExp(String.raw`(?<![\w./\\-])(?:${alternatives})${tail}(?=$|[\s"'\`;|&<>()$,:=])`, flags);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function trimSeparator(path: string, separator: string): string {
  return path.length > 1 && path.endsWith(separator) ? path.slice(0, -separator.length) : path;
}
