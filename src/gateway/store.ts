/**
 * Where the TES gateway keeps its tasks: a small synchronous interface, an
 * in-memory implementation (tests, throwaway gateways) and the query both
 * stores answer the same way.
 * @module
 */
import type { JobSpec } from '../contracts/job-spec.js';
import type { DecisionRecord } from '../network/decision.js';
import type { TesState } from '../tes/states.js';
import type { TesTaskLog } from '../tes/types.js';

/** One task of the gateway as its store keeps it. */
export interface GatewayTask {
  /** The gateway's own task id (what TES clients see). */
  id: string;
  /** Order of creation, 1, 2, … (pagination follows it). */
  seq: number;
  /** The client that created it (from its bearer token). */
  owner: string;
  /** The task as the client created it. */
  spec: JobSpec;
  /** The TES state clients see. */
  state: TesState;
  /** RFC 3339. */
  creationTime: string;
  /** The site running it, once one accepted it. */
  site?: string;
  /** The site's id for it. */
  remoteId?: string;
  /** The key the current attempt was submitted with (to find the job again after a restart). */
  idempotencyKey?: string;
  /** The log the sites gave back (executor logs, outputs, system logs). */
  log?: TesTaskLog;
  /** The site-selection decision record. */
  decision?: DecisionRecord;
  /** Sites the task may not go to, with the reason (the gateway's URL policy admits it elsewhere only). */
  excludeSites?: Record<string, string>;
}

/** What can change on a task. */
export type GatewayTaskPatch = Partial<Pick<GatewayTask, 'state' | 'site' | 'remoteId' | 'idempotencyKey' | 'log' | 'decision'>>;

/** What one owner's tasks take in a store (see {@link TaskStore.usage}). */
export interface StoreUsage {
  /** Tasks not yet in a terminal state. */
  unfinished: number;
  /** Bytes the tasks take (their JSON). */
  bytes: number;
}

/** A page query of {@link TaskStore.list}. */
export interface TaskQuery {
  /** Only this client's tasks. */
  owner: string;
  /** Only tasks whose spec's `name` starts with this. */
  namePrefix?: string;
  /** Only tasks in this state. */
  state?: TesState;
  /** Tag filters: every pair must match; an empty value means "the key is present". */
  tags?: Array<[key: string, value: string]>;
  /** Only tasks created after this one (the page token). */
  afterSeq?: number;
  /** Most tasks returned. */
  limit: number;
  /** Tags a task shows besides its spec's (the gateway's provenance summary), for tag filters. */
  extraTags?: (task: GatewayTask) => Record<string, string>;
}

/**
 * A store of gateway tasks. Calls are synchronous (an embedded database);
 * every write is durable when the call returns.
 *
 * @example
 * ```ts
 * const gateway = createTesGateway(network, { store: new MemoryTaskStore(), clients: { alice: 'secret' } });
 * ```
 */
export interface TaskStore {
  /** Adds a task; `seq` is assigned and returned. */
  insert(task: Omit<GatewayTask, 'seq'>): GatewayTask;
  /** Applies a patch to a task; does nothing when no task has that id. */
  update(id: string, patch: GatewayTaskPatch): void;
  /** A copy of the task, or undefined when no task has that id. */
  get(id: string): GatewayTask | undefined;
  /** Tasks matching the query, in creation order, at most `limit`. */
  list(query: TaskQuery): GatewayTask[];
  /** Every task not yet in a terminal state (re-attached after a restart). */
  unfinished(): GatewayTask[];
  /**
   * How many tasks of one owner are not in a terminal state, and how many
   * bytes its tasks take (their JSON), for the gateway's per-client limits.
   * Optional: without it the gateway counts by listing.
   */
  usage?(owner: string): StoreUsage;
  /** Releases the store (closes the database); no call may follow. */
  close(): void;
}

/** TES states after which a task never changes. */
export const FINAL_TES_STATES: ReadonlySet<TesState> = new Set<TesState>(['COMPLETE', 'EXECUTOR_ERROR', 'SYSTEM_ERROR', 'CANCELED', 'PREEMPTED']);

/** True when a task matches the filters of a query (not the page bounds). */
export function matchesQuery(task: GatewayTask, query: TaskQuery): boolean {
  if (task.owner !== query.owner) return false;
  if (query.afterSeq !== undefined && task.seq <= query.afterSeq) return false;
  if (query.state !== undefined && task.state !== query.state) return false;
  if (query.namePrefix !== undefined && !(task.spec.name ?? '').startsWith(query.namePrefix)) return false;
  if (query.tags && query.tags.length > 0) {
    const tags = { ...task.spec.tags, ...query.extraTags?.(task) };
    for (const [key, value] of query.tags) {
      if (!Object.hasOwn(tags, key)) return false;
      if (value !== '' && tags[key] !== value) return false;
    }
  }
  return true;
}

/**
 * A store that lives as long as the process: for tests and gateways that
 * need not survive a restart.
 *
 * @example
 * ```ts
 * const store = new MemoryTaskStore();
 * ```
 */
export class MemoryTaskStore implements TaskStore {
  readonly #tasks = new Map<string, GatewayTask>();
  #seq = 0;

  insert(task: Omit<GatewayTask, 'seq'>): GatewayTask {
    const stored: GatewayTask = structuredClone({ ...task, seq: ++this.#seq });
    this.#tasks.set(task.id, stored);
    return structuredClone(stored);
  }

  update(id: string, patch: GatewayTaskPatch): void {
    const task = this.#tasks.get(id);
    if (task) Object.assign(task, structuredClone(patch));
  }

  get(id: string): GatewayTask | undefined {
    const task = this.#tasks.get(id);
    return task && structuredClone(task);
  }

  list(query: TaskQuery): GatewayTask[] {
    const out: GatewayTask[] = [];
    for (const task of this.#tasks.values()) {
      if (out.length >= query.limit) break;
      if (matchesQuery(task, query)) out.push(structuredClone(task));
    }
    return out;
  }

  unfinished(): GatewayTask[] {
    return [...this.#tasks.values()].filter((t) => !FINAL_TES_STATES.has(t.state)).map((t) => structuredClone(t));
  }

  usage(owner: string): StoreUsage {
    const usage: StoreUsage = { unfinished: 0, bytes: 0 };
    for (const task of this.#tasks.values()) {
      if (task.owner !== owner) continue;
      if (!FINAL_TES_STATES.has(task.state)) usage.unfinished++;
      const { seq: _seq, ...doc } = task;
      usage.bytes += new TextEncoder().encode(JSON.stringify(doc)).byteLength;
    }
    return usage;
  }

  close(): void {}
}
