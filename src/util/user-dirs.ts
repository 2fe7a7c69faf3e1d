/**
 * Where this user's own files go (Node only): never a directory shared by
 * every user of the machine, as the temp directory is.
 * @module
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `$XDG_CACHE_HOME/pulsar-network/<name>`, or `~/.cache/pulsar-network/<name>`
 * (an `XDG_CACHE_HOME` that is not absolute is ignored, as the XDG spec says).
 */
export function userCacheDir(name: string, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const cache = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(home, '.cache');
  return resolve(cache, 'pulsar-network', name);
}
