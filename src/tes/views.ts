/**
 * Holding a server's answer to the view asked for. Some servers send more than
 * a view promises (Funnel fills a MINIMAL answer with every field, empty;
 * answers a tag-filtered MINIMAL list in BASIC; sends `content`, `stdout`,
 * `stderr` and `system_logs` empty in BASIC): the client keeps only what the
 * view's type says, so callers see the same shape from every server.
 * @module
 */
import type { BasicTask, FullTask, MinimalTask, TaskForView, TesView } from './types.js';

/**
 * The part of a decoded task that `view` promises: `id` and `state` for
 * MINIMAL; for BASIC everything but input `content`, executor `stdout` and
 * `stderr`, and `system_logs`; FULL as it came. Other fields a server adds
 * (at the task's top level or inside its parts) are kept in BASIC and FULL.
 *
 * @example
 * ```ts
 * toView({ id: 't1', state: 'COMPLETE', executors: [{ image: 'alpine', command: ['true'] }] }, 'MINIMAL'); // { id: 't1', state: 'COMPLETE' }
 * ```
 */
export function toView<V extends TesView>(task: FullTask, view: V): TaskForView<V> {
  if (view === 'FULL') return task as TaskForView<V>;
  if (view === 'MINIMAL') return { id: task.id, state: task.state } satisfies MinimalTask as TaskForView<V>;
  return basicOf(task) as TaskForView<V>;
}

function basicOf(task: FullTask): BasicTask {
  const { inputs, logs, ...rest } = task;
  const basic: BasicTask = rest;
  if (inputs) basic.inputs = inputs.map(({ content: _content, ...input }) => input);
  if (logs) {
    basic.logs = logs.map(({ system_logs: _systemLogs, logs: executorLogs, ...attempt }) => ({
      ...attempt,
      logs: (executorLogs ?? []).map(({ stdout: _stdout, stderr: _stderr, ...entry }) => entry),
    }));
  }
  return basic;
}
