/**
 * Maps container paths onto a task's host work directory. The reference
 * server has no containers: each top-level directory the task declares
 * (inputs, outputs, volumes, workdir, stdin/stdout/stderr) lives under the
 * work directory, and occurrences of those container paths in argv, env
 * and workdir are rewritten to the host paths before the executor runs.
 */
import { join } from 'node:path';

export class PathMapper {
  readonly #prefixes: string[];

  constructor(
    readonly hostRoot: string,
    containerPaths: Iterable<string>,
  ) {
    const prefixes = new Set<string>();
    for (const path of containerPaths) {
      const segments = path.split('/').filter(Boolean);
      if (segments.length === 0) continue;
      prefixes.add(`/${segments[0]}`);
    }
    this.#prefixes = [...prefixes].sort((a, b) => b.length - a.length);
  }

  /** The host path of a container path. */
  host(containerPath: string): string {
    return join(this.hostRoot, containerPath);
  }

  /** Rewrites every declared container path in a command-line word or env value. */
  rewrite(text: string): string {
    let out = text;
    for (const prefix of this.#prefixes) {
      const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const pattern = new RegExp(`(^|[\\s"'=:<>(|;&,])${escaped}(?=$|[/\\s"'):;&|<>,])`, 'g');
      out = out.replace(pattern, (_match, lead: string) => `${lead}${this.hostRoot}${prefix}`);
    }
    return out;
  }
}
