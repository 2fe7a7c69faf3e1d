/**
 * The `pulsar-network` executable (package `bin`).
 * @module
 */
import { runCli } from './commands.js';

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
});
// sites may hold timers (probes, pollers): the command is done
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
