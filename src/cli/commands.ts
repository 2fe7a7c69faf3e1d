/**
 * The `pulsar-network` commands: `gateway`, `sites`, `explain`, `submit`,
 * `cancel`, `logs`. Every command takes `--json` for scripts.
 *
 * How `cancel` and `logs` find a task: through the task store, the SQLite
 * file named by the configuration's `gateway.store` (or `--store`). The
 * gateway and `submit` write every task there, so `cancel ID` and `logs ID`
 * work for tasks of a running gateway and of an earlier `submit` alike, on
 * the machine that holds the store. `cancel` re-attaches to the task on its
 * site and cancels it there.
 * @module
 */
import { Command, Option } from 'commander';
import { PulsarNetworkError, ValidationError } from '../errors.js';
import { createTesGateway } from '../gateway/gateway.js';
import type { JobSiteEvent } from '../jobs/events.js';
import { formatAccessLog } from '../gateway/access-log.js';
import { TaskTracker } from '../gateway/task-tracker.js';
import { FINAL_TES_STATES } from '../gateway/store.js';
import { publicDecision, renderTask } from '../gateway/views.js';
import { scrubText, SecretSet } from '../redact.js';
import { gatewayOptions, loadCliConfig } from './config.js';
import { cliVersion, findConfig, openStore, parsePort, parseStore, publicSite, readTask, type StoreChoice } from './inputs.js';
import { localCommand } from './local.js';
import { eventLine, explainLines, sitesTable } from './render.js';
import { parseReportPath, writeReport } from './report.js';
import { watch } from './watch.js';
import { TimelineRecorder } from '../display/timeline.js';

/** Where the commands write, and whether stdout is a terminal. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** Exit codes: 0 success, 1 the task did not complete, 2 bad input (flags, files, configuration values). */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

const CLI_OWNER = 'cli';

/**
 * Builds the command-line program.
 *
 * @example
 * ```ts
 * const program = cliProgram({ out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), isTTY: true, env: process.env });
 * await program.parseAsync(['sites', '--config', 'network.yaml'], { from: 'user' });
 * ```
 */
export function cliProgram(given: CliIo, secrets: SecretSet = new SecretSet()): Command {
  // Every line any command prints passes through the one redaction module: secret values of the
  // configuration (filled in as it is read) and credentials in URLs never reach a terminal or a pipe.
  const io = scrubbedIo(given, secrets);
  // no --config: the first of ./pulsar-network.yaml, $XDG_CONFIG_HOME/pulsar-network/config.yaml, ~/.config/pulsar-network/config.yaml
  // A file found, not given, is named on stderr: a stray ./pulsar-network.yaml never runs jobs unnoticed.
  const load = (path: string | undefined, options: { guardInputs?: boolean } = {}): ReturnType<typeof loadCliConfig> => {
    const file = findConfig(path, io.env);
    if (path === undefined) io.err(`using the configuration ${file}\n`);
    return loadCliConfig(file, io.env, { secrets, ...options });
  };
  const println = (line = ''): void => io.out(`${line}\n`);
  const storeOf = async (path: string | undefined): Promise<string> => {
    const { network, gateway } = await load(path);
    await network.close();
    return gateway.store;
  };
  const program = new Command('pulsar-network')
    .description('Run jobs on a network of Pulsar, TES and local sites; serve it as one TES endpoint.')
    .version(cliVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  const CONFIG_HELP = 'network configuration, YAML or JSON (default: ./pulsar-network.yaml, then $XDG_CONFIG_HOME/pulsar-network/config.yaml or ~/.config/pulsar-network/config.yaml)';
  const storeOption = (): Option => new Option('--store <store>', 'task store: memory, or sqlite:PATH (default: the gateway.store file)').argParser(parseStore);

  program
    .command('gateway')
    .description('serve the network as a GA4GH TES 1.1 endpoint at /ga4gh/tes/v1')
    .option('--config <file>', `${CONFIG_HELP}, with an optional gateway: section`)
    .addOption(new Option('--port <port>', 'port (0: any free port; default: gateway.port or 8000)').argParser(parsePort))
    .option('--host <host>', 'address to bind (default: gateway.host or 127.0.0.1)')
    .addOption(storeOption())
    .option('--json', 'print {"url", "resumed"} as JSON')
    .action(async (opts: { config?: string; port?: number; host?: string; store?: StoreChoice; json?: boolean }) => {
      const config = await load(opts.config, { guardInputs: true });
      const { network, gateway } = config;
      let tes: ReturnType<typeof createTesGateway>;
      try {
        tes = createTesGateway(
          network,
          gatewayOptions(config, {
            ...(opts.store && { store: opts.store.kind === 'memory' ? openStore(opts.store, '').store : opts.store.path }),
            onWarning: (message) => io.err(`pulsar-network: warning: ${message}\n`),
            onAccess: (entry) => io.err(`${formatAccessLog(entry)}\n`),
          }),
        );
      } catch (error) {
        await network.close();
        throw error;
      }
      await network.probe();
      network.startProbes();
      const { url } = await tes.listen({ port: opts.port ?? gateway.port ?? 8000, host: opts.host ?? gateway.host ?? '127.0.0.1' });
      if (opts.json) println(JSON.stringify({ url, resumed: tes.resumed }));
      else {
        println(`TES gateway at ${url}`);
        println(`${Object.keys(gateway.clients).length} client(s)${gateway.allowUnauthenticated && Object.keys(gateway.clients).length === 0 ? ' (no tokens: loopback callers only)' : ''}; ${tes.resumed.length} task(s) re-attached`);
      }
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await tes.close();
      await network.close();
    });

  program
    .command('sites')
    .description('probe every site: health, capabilities, load and circuit state')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print JSON')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const { network } = await load(opts.config);
      try {
        const probes = await network.probe();
        if (opts.json) println(JSON.stringify(network.sites().map((c) => ({ ...c, site: publicSite(c.site), probe: probes.get(c.site.id) })), null, 2));
        else for (const line of sitesTable(network.sites(), probes)) println(line);
      } finally {
        await network.close();
      }
    });

  program
    .command('explain')
    .description('show which site the network would choose for a task, and why, without submitting it')
    .argument('<task>', 'TES task JSON file')
    .option('--config <file>', CONFIG_HELP)
    .option('--json', 'print the decision record as JSON')
    .action(async (taskFile: string, opts: { config?: string; json?: boolean }) => {
      const spec = await readTask(taskFile);
      const { network } = await load(opts.config);
      try {
        await network.probe();
        const record = publicDecision(network.explain(spec));
        if (opts.json) println(JSON.stringify(record, null, 2));
        else for (const line of explainLines(record)) println(line);
      } finally {
        await network.close();
      }
    });

  program
    .command('submit')
    .description('submit a task through the network and wait for its end (exit code 1 when it does not complete)')
    .argument('<task>', 'TES task JSON file')
    .option('--config <file>', CONFIG_HELP)
    .addOption(storeOption())
    .option('--watch', 'show states as they change (and transfer progress bars on a terminal)')
    .option('--json', 'print JSON (one line per event with --watch, then the task in the FULL view)')
    .addOption(new Option('--report <file>', 'when the task ends, write its timeline: an .svg picture, or an .html page with the decision record').argParser(parseReportPath))
    .action(async (taskFile: string, opts: { config?: string; store?: StoreChoice; watch?: boolean; json?: boolean; report?: string }) => {
      const spec = await readTask(taskFile);
      const { network, gateway } = await load(opts.config);
      const { store } = openStore(opts.store, gateway.store);
      const tracker = new TaskTracker(network, store);
      const recorder = new TimelineRecorder();
      if (opts.report) recorder.watch(network);
      // which site is tried, and each failover, as they happen (on stderr; --watch and --json print every event)
      const progress = opts.watch || opts.json ? undefined : (event: JobSiteEvent): void => io.err(`pulsar-network: ${eventLine(event)}\n`);
      if (progress) network.on('site', progress);
      try {
        const id = await tracker.submit(spec, CLI_OWNER);
        // a task that failed at once may have ended (and been stored) already
        const job = tracker.job(id);
        if (opts.json) println(JSON.stringify({ type: 'submitted', id }));
        else println(`task ${id}`);
        if (opts.watch && job) await watch(job.watch(), io, Boolean(opts.json));
        await job?.wait();
        await tracker.idle();
        const task = store.get(id);
        if (opts.report) {
          const decision = job && network.decision(job);
          const title = `task ${id}: ${task?.state ?? 'unknown'}${task?.site ? ` on ${task.site}` : ''}`;
          await writeReport(opts.report, { recorder, title, decision: decision && publicDecision(decision), scrub: (text) => scrubText(text, secrets) });
          if (!opts.json) println(`report ${opts.report}`);
        }
        if (opts.json) println(JSON.stringify(task && renderTask(task, 'FULL', '/ga4gh/tes/v1')));
        else println(`task ${id}: ${task?.state ?? 'unknown'}${task?.site ? ` on ${task.site}` : ''}`);
        if (task?.state !== 'COMPLETE') throw new CliExit(1);
      } finally {
        tracker.close();
        store.close();
        await network.close();
      }
    });

  program
    .command('cancel')
    .description('cancel a task of the store (a gateway task or a submitted one) on its site')
    .argument('<id>', 'task id')
    .option('--config <file>', `${CONFIG_HELP} (to reach the task's site)`)
    .addOption(storeOption())
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { config?: string; store?: StoreChoice; json?: boolean }) => {
      const { network, gateway } = await load(opts.config);
      const { store, where } = openStore(opts.store, gateway.store);
      const tracker = new TaskTracker(network, store);
      try {
        const task = store.get(id);
        if (!task) throw new ValidationError('task id', [{ path: 'id', message: `no task ${id} in ${where}` }]);
        const before = task.state;
        if (!FINAL_TES_STATES.has(before)) {
          await tracker.cancel(id);
          await tracker.idle();
        }
        const after = store.get(id)?.state ?? before;
        if (opts.json) println(JSON.stringify({ id, before, state: after }));
        else println(FINAL_TES_STATES.has(before) ? `task ${id} had already ended: ${before}` : `task ${id}: ${after}`);
      } finally {
        tracker.close();
        store.close();
        await network.close();
      }
    });

  program
    .command('logs')
    .description('print the logs of a task of the store: executor stdout and stderr, system logs, outputs')
    .argument('<id>', 'task id')
    .option('--config <file>', `${CONFIG_HELP}, naming the store (gateway.store)`)
    .addOption(storeOption())
    .option('--json', 'print the TES task log as JSON')
    .action(async (id: string, opts: { config?: string; store?: StoreChoice; json?: boolean }) => {
      const { store, where } = openStore(opts.store, opts.store ? '' : await storeOf(opts.config));
      try {
        const task = store.get(id);
        if (!task) throw new ValidationError('task id', [{ path: 'id', message: `no task ${id} in ${where}` }]);
        if (opts.json) return println(JSON.stringify({ id, state: task.state, log: task.log ?? null }));
        println(`task ${id}: ${task.state}${task.site ? ` on ${task.site}` : ''}`);
        const log = task.log;
        if (!log || log.logs.length === 0) println('(no executor logs yet)');
        log?.logs.forEach((e, i) => {
          println(`--- executor ${i} (exit code ${e.exit_code}) stdout`);
          if (e.stdout) io.out(e.stdout.endsWith('\n') ? e.stdout : `${e.stdout}\n`);
          println(`--- executor ${i} stderr`);
          if (e.stderr) io.out(e.stderr.endsWith('\n') ? e.stderr : `${e.stderr}\n`);
        });
        for (const line of log?.system_logs ?? []) println(`system: ${line}`);
        for (const o of log?.outputs ?? []) println(`output: ${o.path} -> ${o.url} (${o.size_bytes} bytes)`);
      } finally {
        store.close();
      }
    });

  program.addCommand(localCommand(io));
  return program;
}

/** Runs the program on argv; resolves with the exit code (errors printed, scrubbed of every secret the configuration named). */
export async function runCli(argv: string[], given: CliIo): Promise<number> {
  const secrets = new SecretSet();
  const io = scrubbedIo(given, secrets);
  try {
    await cliProgram(io, secrets).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CliExit) return error.code;
    const code = (error as { code?: string; exitCode?: number }).code;
    // help and --version end well; every other complaint of the parser (unknown flag, missing argument, bad value) is bad input
    if (typeof code === 'string' && code.startsWith('commander.')) return (error as { exitCode: number }).exitCode === 0 ? 0 : 2;
    if (error instanceof PulsarNetworkError) {
      io.err(`pulsar-network: ${error.message}\n`);
      return 2;
    }
    io.err(`pulsar-network: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
}

/** The io with every text scrubbed of the secrets (and of credentials in URLs). */
function scrubbedIo(io: CliIo, secrets: SecretSet): CliIo {
  return { ...io, out: (text) => io.out(scrubText(text, secrets)), err: (text) => io.err(scrubText(text, secrets)) };
}
