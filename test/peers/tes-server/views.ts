/**
 * The three TES views, exactly as the spec's `view` parameter describes them.
 */
import type { components } from '../../../generated/tes.js';
import type { AttemptLog, TesState } from './runner.js';

type Schemas = components['schemas'];

/** A task as the server keeps it. */
export interface StoredTask {
  seq: number;
  id: string;
  state: TesState;
  creation_time: string;
  doc: Schemas['tesTask'];
  log?: AttemptLog;
}

export type View = 'MINIMAL' | 'BASIC' | 'FULL';

/**
 * MINIMAL: only `id` and `state`. BASIC: everything except executor
 * stdout/stderr, input `content` and `system_logs`. FULL: everything.
 */
export function render(task: StoredTask, view: View): Schemas['tesTask'] | { id: string; state: TesState } {
  if (view === 'MINIMAL') return { id: task.id, state: task.state };
  const full = view === 'FULL';
  const doc = task.doc;
  const out: Record<string, unknown> = { id: task.id, state: task.state, ...without(doc, ['id', 'state', 'logs', 'creation_time']) };
  if (doc.inputs) out.inputs = doc.inputs.map((input) => (full ? { ...input } : without(input, ['content'])));
  out.creation_time = task.creation_time;
  if (task.log) {
    const log = task.log;
    const entry: Schemas['tesTaskLog'] = {
      logs: log.logs.map((l) => (full ? { ...l } : without(l, ['stdout', 'stderr'])) as Schemas['tesExecutorLog']),
      outputs: log.outputs.map((o) => ({ ...o })),
      metadata: { ...log.metadata },
    };
    if (log.start_time) entry.start_time = log.start_time;
    if (log.end_time) entry.end_time = log.end_time;
    if (full) entry.system_logs = [...log.system_logs];
    out.logs = [entry];
  }
  return out as Schemas['tesTask'];
}

function without<T extends object>(value: T, keys: string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!keys.includes(k)) out[k] = v;
  return out as Partial<T>;
}
