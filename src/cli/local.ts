/**
 * `pulsar-network local`: housekeeping of this user's local site, `gc`
 * removing the directories of old ended jobs.
 * @module
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { collectGarbage, defaultWorkDir } from '../sites/local/work-dir.js';
import type { CliIo } from './commands.js';
import { parseDuration } from './inputs.js';

/** The `local` command and its subcommands. */
export function localCommand(io: CliIo): Command {
  const local = new Command('local').description("housekeeping of this user's local site");
  local
    .command('gc')
    .description('remove the directories (inputs, outputs, logs) of ended jobs older than --older-than; running jobs are kept')
    .addOption(new Option('--older-than <duration>', 'age of the jobs removed: 30m, 12h, 7d, 2w').default(7 * 86_400_000, '7d').argParser((value) => parseDuration(value)))
    .option('--work-dir <dir>', 'the local site work directory (default: $XDG_CACHE_HOME or ~/.cache, then pulsar-network/local)')
    .option('--json', 'print {"workDir", "removed", "running"} as JSON')
    .action(async (opts: { olderThan: number; workDir?: string; json?: boolean }) => {
      const workDir = resolve(opts.workDir ?? defaultWorkDir(io.env, io.env.HOME || homedir()));
      const report = await collectGarbage(workDir, opts.olderThan);
      if (opts.json) io.out(`${JSON.stringify({ workDir, ...report })}\n`);
      else io.out(`removed ${report.removed.length} job director${report.removed.length === 1 ? 'y' : 'ies'} from ${workDir}${report.running.length > 0 ? ` (kept ${report.running.length} still running)` : ''}\n`);
    });
  return local;
}
