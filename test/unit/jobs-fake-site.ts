// A scripted Site for unit tests of jobs and watchers: it counts calls, and
// the test moves its jobs from state to state.
import type { JobOutcome, JobSpec, JobState, Site, SiteJobStatus } from '../../src/internal.js';
import { UnknownJobError } from '../../src/internal.js';

export class FakeSite implements Site {
  readonly kind = 'tes' as const;
  readonly jobs = new Map<string, SiteJobStatus>();
  readonly calls = { submit: 0, poll: 0, cancel: 0, collect: 0, attach: 0 };
  /** Ids asked for in each poll. */
  readonly polled: string[][] = [];
  outcome: (id: string, status: SiteJobStatus) => JobOutcome = (_id, status) => ({
    state: status.state,
    executors: [{ exitCode: 0, stdout: 'hello\n' }],
    outputs: [{ path: '/out/a', url: '/tmp/a', sizeBytes: 5, sha256: 'f'.repeat(64) }],
    systemLogs: [],
  });
  submitGate: Promise<void> | undefined;
  submitError: Error | undefined;
  pollError: Error | undefined;
  #next = 0;
  #onChange: ((id: string) => void) | undefined;

  constructor(readonly id = 'fake') {}

  async probe() {
    return { ok: true, latencyMs: 0 };
  }

  async submit(_spec: JobSpec): Promise<{ remoteId: string }> {
    this.calls.submit++;
    await this.submitGate;
    if (this.submitError) throw this.submitError;
    const remoteId = `r${++this.#next}`;
    this.jobs.set(remoteId, { remoteId, state: 'queued', siteState: 'QUEUED' });
    return { remoteId };
  }

  async poll(ids: readonly string[]): Promise<Map<string, SiteJobStatus>> {
    this.calls.poll++;
    this.polled.push([...ids]);
    if (this.pollError) throw this.pollError;
    const out = new Map<string, SiteJobStatus>();
    for (const id of ids) {
      const status = this.jobs.get(id);
      if (status) out.set(id, { ...status });
    }
    return out;
  }

  async cancel(id: string): Promise<void> {
    this.calls.cancel++;
    this.set(id, 'canceled', 'CANCELED');
  }

  async collect(id: string): Promise<JobOutcome> {
    this.calls.collect++;
    const status = this.jobs.get(id);
    if (!status) throw new UnknownJobError({ siteId: this.id, remoteId: id });
    return this.outcome(id, status);
  }

  async attach(id: string): Promise<SiteJobStatus> {
    this.calls.attach++;
    const status = this.jobs.get(id);
    if (!status) throw new UnknownJobError({ siteId: this.id, remoteId: id });
    return { ...status };
  }

  subscribe(onChange: (id: string) => void): () => void {
    this.#onChange = onChange;
    return () => {
      this.#onChange = undefined;
    };
  }

  /** Moves a job; `hint` tells subscribed watchers. */
  set(id: string, state: JobState, siteState = state.toUpperCase(), hint = false): void {
    this.jobs.set(id, { remoteId: id, state, siteState });
    if (hint) this.#onChange?.(id);
  }

  get subscribed(): boolean {
    return this.#onChange !== undefined;
  }
}

export const SPEC: JobSpec = { executors: [{ image: 'alpine', command: ['true'] }] };

/** Resolves when `check` passes, polling every few milliseconds (real timers). */
export async function until(check: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
