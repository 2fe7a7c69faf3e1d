/**
 * Finds tmux as scripts/peers/install-tmux.sh installed it (Debian's tmux).
 */
import { existsSync } from 'node:fs';

/** The tmux executable; throws with the installer's name when it is missing. */
export function tmuxPath(): string {
  for (const path of ['/usr/bin/tmux', '/usr/local/bin/tmux']) if (existsSync(path)) return path;
  throw new Error('tmux is not installed: run scripts/peers/install-tmux.sh (npm run peers)');
}
