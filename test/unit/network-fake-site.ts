/**
 * A scripted in-memory Site for unit tests of selection, failover and
 * admission. It deduplicates submits by idempotency key like a real site must,
 * and counts how many times each logical job completed.
 */
import { JobEngine, TimeoutError, type DecisionRecord, type Job, type JobSpec, type JobState, type Network, type Site, type SiteKind } from '../../src/index.js';
import type { JobOutcome, SiteCallOptions, SiteJobRef, SiteJobStatus, SiteProbe, SubmitOptions } from '../../src/internal.js';

/** What the site does with the n-th new job it accepts (or a thrown error for a refused submit). */
export type Script = { states: JobState[] } | { states: JobState[]; thenUnreachable: true } | { refuse: Error };

export class FakeSite implements Site {
  readonly kind: SiteKind = 'pulsar-rest';
  readonly jobs = new Map<string, { key: string; states: JobState[]; polls: number; canceled: boolean; unreachable: boolean; last?: JobState }>();
  readonly submits: string[] = [];
  readonly cancels: string[] = [];
  /** Completions per logical job (the part of the key before the first colon), over every site. */
  static readonly completions = new Map<string, number>();
  down = false;
  /** While true, jobs stay in their current state. */
  hold = false;
  /** How many of the next new jobs are made but their answer lost (the submit times out). */
  loseNextAnswers = 0;
  /** Bytes reported as staged on every new submit (through `onTransfer`), and how long that takes. */
  staging: { bytes: number; ms: number } | undefined;
  probeResult: SiteProbe = { ok: true, latencyMs: 5 };
  #next = 0;

  constructor(
    readonly id: string,
    private readonly script: (n: number) => Script = () => ({ states: ['queued', 'running', 'complete'] }),
  ) {}

  /** Clock times (Date.now) of the probes received. */
  readonly probes: number[] = [];

  async probe(_options?: SiteCallOptions): Promise<SiteProbe> {
    this.probes.push(Date.now());
    if (this.down) throw new Error('connection refused');
    return this.probeResult;
  }

  async submit(_spec: JobSpec, options: SubmitOptions): Promise<SiteJobRef> {
    this.submits.push(options.idempotencyKey);
    if (this.down) throw new Error('connection refused');
    for (const [remoteId, job] of this.jobs) if (job.key === options.idempotencyKey) return { remoteId };
    const step = this.script(this.#next++);
    if ('refuse' in step) throw step.refuse;
    if (this.staging) {
      const { bytes, ms } = this.staging;
      options.onTransfer?.({ direction: 'up', file: 'input-1', bytesDone: 0, bytesTotal: bytes, done: false });
      await new Promise((r) => setTimeout(r, ms));
      options.onTransfer?.({ direction: 'up', file: 'input-1', bytesDone: bytes, bytesTotal: bytes, done: true });
    }
    const remoteId = `${this.id}-${this.jobs.size + 1}`;
    this.jobs.set(remoteId, { key: options.idempotencyKey, states: step.states, polls: 0, canceled: false, unreachable: 'thenUnreachable' in step });
    if (this.loseNextAnswers > 0) {
      this.loseNextAnswers--;
      throw new TimeoutError({ scope: 'attempt', timeoutMs: 30_000, what: `POST ${this.id}/jobs` });
    }
    return { remoteId };
  }

  async poll(remoteIds: readonly string[]): Promise<Map<string, SiteJobStatus>> {
    if (this.down) throw new Error('connection refused');
    const out = new Map<string, SiteJobStatus>();
    for (const remoteId of remoteIds) {
      const job = this.jobs.get(remoteId);
      if (!job) continue;
      if (job.unreachable && job.polls >= job.states.length) throw new Error('connection refused');
      const state: JobState = job.canceled ? 'canceled' : (job.states[Math.min(job.polls, job.states.length - 1)] ?? 'unknown');
      if (state === 'complete' && job.states[job.polls - 1] !== 'complete') {
        const logical = job.key.split(':')[0] ?? job.key;
        FakeSite.completions.set(logical, (FakeSite.completions.get(logical) ?? 0) + 1);
      }
      if (!this.hold) job.polls++;
      job.last = state;
      out.set(remoteId, { remoteId, state, siteState: state.toUpperCase() });
    }
    return out;
  }

  /** When set, cancels wait for it before they take effect. */
  cancelGate: Promise<void> | undefined;

  async cancel(remoteId: string): Promise<void> {
    this.cancels.push(remoteId);
    if (this.down) throw new Error('connection refused');
    if (this.cancelGate) await this.cancelGate;
    const job = this.jobs.get(remoteId);
    if (job) job.canceled = true;
  }

  async lookup(idempotencyKey: string): Promise<string | undefined> {
    if (this.down) throw new Error('connection refused');
    for (const [remoteId, job] of this.jobs) if (job.key === idempotencyKey) return remoteId;
    return undefined;
  }

  /** The outcome of the job's terminal state (as a site reports it when collecting). */
  async collect(remoteId: string): Promise<JobOutcome> {
    const job = this.jobs.get(remoteId);
    const state: JobState = job?.canceled ? 'canceled' : (job?.last ?? 'lost');
    return { state, executors: [], outputs: [], systemLogs: [] };
  }

  async attach(remoteId: string): Promise<SiteJobStatus> {
    const status = (await this.poll([remoteId])).get(remoteId);
    if (!status) throw new Error('unknown job');
    return status;
  }
}

/** An engine that polls every millisecond and calls a job lost after `lostAfterMs` of silence. */
export function fastEngine(lostAfterMs = 30): JobEngine {
  return new JobEngine({ poll: { minIntervalMs: 1, maxIntervalMs: 1, jitter: 0 }, lostAfterMs });
}

/** How a network job ended: its result's state, site and remote id, and its decision record. */
export async function ended(network: Network, job: Job): Promise<{ state: JobState; site?: string; remoteId?: string; error?: Error; record: DecisionRecord }> {
  const result = await job.wait();
  const record = network.decision(job);
  if (!record) throw new Error(`no decision record for job ${job.id}`);
  return { state: result.state, ...(result.siteId === undefined ? {} : { site: result.siteId }), ...(result.remoteId === undefined ? {} : { remoteId: result.remoteId }), ...(result.error ? { error: result.error } : {}), record };
}
