/**
 * Simulates one strategy on the 17-site network. The simulation drives the
 * library's own code: `decide()` with the strategy under test (hard filters
 * included), `SiteHealth` (EWMAs and the circuit breaker, on the simulated
 * clock), `classifyEnding` and `nextSite` for failover, `backoffDelay` for
 * the delays between attempts, and `TokenBucket` for the submit rate. Only
 * the sites (batch queues, staging, failures, the outage) are modelled here.
 */
import { ConnectionError, type JobState, type SiteSelector } from '../../src/index.js';
import { backoffDelay, bytesToMove, classifyEnding, decide, deriveRandom, isStuck, nextSite, resolveRetryPolicy, SiteHealth, TokenBucket, type RankedSite } from '../../src/internal.js';
import { EventQueue } from './events.js';
import type { SimJob } from './jobs.js';
import type { SimSite } from './sites.js';

/** Client settings of the simulated network (as a configuration would set them). */
export const CLIENT = {
  maxAttempts: 5,
  backoff: { minDelay: 5_000, maxDelay: 120_000, factor: 2, jitter: 0.5 },
  queuedDeadlineS: 3600,
  lostAfterS: 300,
  pollIntervalS: 30,
  probeIntervalS: 60,
  probeJitter: 0.2,
  connectTimeoutS: 10,
  waitForSiteS: 300,
  /** Site model: the head of a batch queue that waited this long gets its cores reserved. */
  reservationAfterS: 1200,
};

/** Figures of one run. */
export interface SimResult {
  strategy: string;
  makespanS: number;
  meanWaitS: number;
  p95WaitS: number;
  bytesMoved: number;
  failedOver: number;
  lost: number;
  completed: number;
  executorErrors: number;
}

type Phase = 'local' | 'submitting' | 'staging' | 'queued' | 'starting' | 'running' | 'over';

interface Attempt {
  job: JobRun;
  site: SimSite;
  index: number;
  n: number;
  phase: Phase;
  acceptedAt: number;
  startedAt: number;
  /** Set when the site lost the job (outage) or the network left it. */
  gone: boolean;
}

interface JobRun {
  job: SimJob;
  ranked: RankedSite[];
  tried: Map<string, number>;
  attempts: number;
  failedOver: boolean;
  waitedS: number;
  end?: { state: JobState | 'lost'; at: number; startedAt: number };
}

interface SiteRun {
  sim: SimSite;
  health: SiteHealth;
  bucket: TokenBucket;
  inFlight: number;
  /** Of those in flight, the attempts the site started; and those it has not started yet. */
  running: number;
  waiting: Set<Attempt>;
  local: Attempt[];
  freeCores: number;
  freeGpus: number;
  queue: Attempt[];
  active: Set<Attempt>;
  down: boolean;
  silent: boolean;
}

/** Cores of the attempts ahead of a new one at the site: admitted and not started, or waiting locally. */
function waitingCores(s: SiteRun): number {
  let cores = 0;
  for (const attempt of s.waiting) cores += attempt.job.job.request.resources.cores;
  for (const attempt of s.local) cores += attempt.job.job.request.resources.cores;
  return cores;
}

/** Runs the whole workload with one strategy. */
export function simulate(strategy: SiteSelector, jobs: readonly SimJob[], sims: readonly SimSite[], seed: string): SimResult {
  const events = new EventQueue();
  const clockMs = (): number => events.now * 1000;
  const policy = resolveRetryPolicy({ retries: CLIENT.maxAttempts - 1, ...CLIENT.backoff, random: () => backoffRandom.next() });
  const backoffRandom = deriveRandom(seed, 'backoff');
  const sites = new Map<string, SiteRun>();
  for (const sim of sims) {
    sites.set(sim.description.id, {
      sim,
      health: new SiteHealth({ alpha: 0.3, window: 20, breaker: { failureThreshold: 5, errorRate: 0.5, window: 20, minimumCalls: 10, openMs: 60_000, maxOpenMs: 1_800_000, now: clockMs } }),
      bucket: new TokenBucket(sim.description.submitRate ?? { perSecond: 1000, burst: 1000 }, clockMs),
      inFlight: 0,
      running: 0,
      waiting: new Set(),
      local: [],
      freeCores: sim.cores,
      freeGpus: sim.gpus,
      queue: [],
      active: new Set(),
      down: false,
      silent: false,
    });
  }
  const runs: JobRun[] = [];
  let bytesMoved = 0;
  let finished = 0;
  const site = (id: string): SiteRun => sites.get(id) as SiteRun;

  const finish = (run: JobRun, state: JobState | 'lost', startedAt: number): void => {
    run.end = { state, at: events.now, startedAt };
    finished++;
  };

  const tryNext = (run: JobRun): void => {
    const next = nextSite(run.ranked, run.tried, (id) => site(id).health.breaker.allows);
    if (!next && run.attempts < CLIENT.maxAttempts) {
      // every site left is behind an open breaker: wait (bounded) for the first to half-open, as the network does
      const until = Math.min(...run.ranked.map((r) => site(r.site).health.breaker.openUntil ?? Number.POSITIVE_INFINITY));
      const waitS = (until - clockMs()) / 1000;
      if (Number.isFinite(waitS) && run.waitedS + waitS <= CLIENT.waitForSiteS) {
        run.waitedS += waitS;
        events.after(waitS, () => tryNext(run));
        return;
      }
    }
    if (!next || run.attempts >= CLIENT.maxAttempts) {
      finish(run, 'lost', events.now);
      return;
    }
    run.tried.set(next.site, (run.tried.get(next.site) ?? 0) + 1);
    run.attempts++;
    const s = site(next.site);
    const attempt: Attempt = { job: run, site: s.sim, index: run.attempts, n: run.attempts, phase: 'local', acceptedAt: 0, startedAt: 0, gone: false };
    admit(s, attempt);
  };

  const failover = (run: JobRun): void => {
    run.failedOver = true;
    if (run.attempts >= CLIENT.maxAttempts) {
      finish(run, 'lost', events.now);
      return;
    }
    events.after(backoffDelay(policy, run.attempts) / 1000, () => tryNext(run));
  };

  const admit = (s: SiteRun, attempt: Attempt): void => {
    const max = s.sim.description.maxInFlight ?? Number.POSITIVE_INFINITY;
    if (s.inFlight >= max) {
      s.local.push(attempt);
      return;
    }
    s.inFlight++;
    s.waiting.add(attempt);
    attempt.phase = 'submitting';
    events.after(s.bucket.take() / 1000, () => submit(s, attempt));
  };

  const release = (s: SiteRun, attempt: Attempt): void => {
    s.inFlight--;
    s.waiting.delete(attempt);
    const next = s.local.shift();
    if (next) admit(s, next);
  };

  const submit = (s: SiteRun, attempt: Attempt): void => {
    const run = attempt.job;
    if (!s.health.breaker.tryAcquire()) {
      attempt.phase = 'over';
      release(s, attempt);
      failover(run);
      return;
    }
    if (s.down) {
      events.after(CLIENT.connectTimeoutS, () => {
        const error = new ConnectionError({ method: 'POST', url: `${s.sim.description.url}/jobs`, mayHaveBeenSent: false, reason: 'ECONNREFUSED' });
        const verdict = classifyEnding({ kind: 'submit-error', error });
        s.health.observe('submit', !verdict.siteFault, undefined, verdict.cause);
        attempt.phase = 'over';
        release(s, attempt);
        failover(run);
      });
      return;
    }
    const bytes = bytesToMove(s.sim.description, run.job.request.inputs);
    const stagingS = bytes / s.sim.bandwidth;
    bytesMoved += bytes;
    attempt.phase = 'staging';
    s.active.add(attempt);
    events.after(s.sim.latencyMs / 1000 + stagingS, () => {
      if (attempt.gone) return;
      s.health.observe('submit', true);
      if (bytes > 0) s.health.observeTransfer(bytes, stagingS * 1000);
      attempt.phase = 'queued';
      attempt.acceptedAt = events.now;
      s.queue.push(attempt);
      events.after(CLIENT.queuedDeadlineS, () => queuedDeadline(s, attempt));
      dispatch(s);
    });
  };

  const queuedDeadline = (s: SiteRun, attempt: Attempt): void => {
    if (attempt.gone || attempt.phase !== 'queued') return;
    const lastStart = s.health.lastStartAt;
    const stuck = isStuck({
      queuedForMs: (events.now - attempt.acceptedAt) * 1000,
      deadlineMs: CLIENT.queuedDeadlineS * 1000,
      siteLastStartAgoMs: lastStart === undefined || lastStart < attempt.acceptedAt * 1000 ? undefined : clockMs() - lastStart,
      alternative: attempt.job.ranked.some((c) => c.site !== s.sim.description.id && site(c.site).health.breaker.allows),
    });
    if (!stuck) {
      events.after(CLIENT.queuedDeadlineS, () => queuedDeadline(s, attempt));
      return;
    }
    const verdict = classifyEnding({ kind: 'queued-timeout', waitedMs: (events.now - attempt.acceptedAt) * 1000 });
    s.health.observe('job', false, undefined, verdict.cause);
    // the network cancels the stuck job (the site is up, so the cancel works) and moves on
    attempt.gone = true;
    attempt.phase = 'over';
    s.queue.splice(s.queue.indexOf(attempt), 1);
    s.active.delete(attempt);
    release(s, attempt);
    failover(attempt.job);
  };

  const dispatch = (s: SiteRun): void => {
    if (s.down || s.silent) return;
    for (let i = 0; i < s.queue.length && s.freeCores >= 1; ) {
      const attempt = s.queue[i] as Attempt;
      // like a batch system's reservation: once the head job has waited long, nothing overtakes it
      if (i > 0 && events.now - (s.queue[0] as Attempt).acceptedAt > CLIENT.reservationAfterS) break;
      const { cores, gpus } = attempt.job.job.request.resources;
      if (cores <= s.freeCores && gpus <= s.freeGpus) {
        s.queue.splice(i, 1);
        s.freeCores -= cores;
        s.freeGpus -= gpus;
        attempt.phase = 'starting';
        events.after(s.sim.dispatchDelayS, () => start(s, attempt));
      } else i++;
    }
  };

  const start = (s: SiteRun, attempt: Attempt): void => {
    if (attempt.gone) return;
    attempt.phase = 'running';
    attempt.startedAt = events.now;
    s.running++;
    s.waiting.delete(attempt);
    s.health.observeQueueWait((events.now - attempt.acceptedAt) * 1000, attempt.job.job.request.resources.cores);
    const job = attempt.job.job;
    const fate = deriveRandom(seed, 'fate', job.id, s.sim.description.id, attempt.n);
    const u = fate.next();
    const runtime = job.work * s.sim.speed;
    let state: JobState = job.badCommand ? 'executor_error' : 'complete';
    let duration = job.badCommand ? runtime * 0.1 : runtime;
    if (u < s.sim.systemErrorRate) {
      state = 'system_error';
      duration = runtime * fate.next();
    } else if (u < s.sim.systemErrorRate + s.sim.preemptRate) {
      state = 'preempted';
      duration = runtime * fate.next();
    }
    events.after(duration, () => {
      if (attempt.gone) return;
      s.running--;
      const { cores, gpus } = job.request.resources;
      s.freeCores += cores;
      s.freeGpus += gpus;
      s.active.delete(attempt);
      attempt.phase = 'over';
      dispatch(s);
      events.after(CLIENT.pollIntervalS * fate.next(), () => detect(s, attempt, state));
    });
  };

  const detect = (s: SiteRun, attempt: Attempt, state: JobState): void => {
    release(s, attempt);
    const verdict = classifyEnding({ kind: 'state', state });
    s.health.observe('job', !verdict.siteFault, undefined, verdict.cause);
    if (verdict.failover) failover(attempt.job);
    else finish(attempt.job, state, attempt.startedAt);
  };

  // The outage: everything on the site is lost; the client notices after lostAfterS of failed polls.
  for (const s of sites.values()) {
    const { outage, silent } = s.sim;
    if (outage) {
      events.at(outage[0], () => {
        s.down = true;
        for (const attempt of s.active) {
          if (attempt.phase === 'running') s.running--;
          attempt.gone = true;
          attempt.phase = 'over';
          events.after(CLIENT.lostAfterS + CLIENT.pollIntervalS * deriveRandom(seed, 'lost', attempt.job.job.id).next(), () => detect(s, attempt, 'lost'));
        }
        s.active.clear();
        s.queue = [];
      });
      events.at(outage[1], () => {
        s.down = false;
        s.freeCores = s.sim.cores;
        s.freeGpus = s.sim.gpus;
      });
    }
    if (silent) {
      events.at(silent[0], () => {
        s.silent = true;
      });
      events.at(silent[1], () => {
        s.silent = false;
        dispatch(s);
      });
    }
    // active probes with jitter
    const probeRandom = deriveRandom(seed, 'probe', s.sim.description.id);
    const probe = (): void => {
      if (finished >= jobs.length) return;
      const ok = !s.down;
      const latencyMs = s.sim.latencyMs * (1 + 0.2 * probeRandom.next());
      s.health.observeProbe(ok ? { ok, latencyMs } : { ok, latencyMs, error: 'connection refused', failure: 'unreachable' });
      events.after(CLIENT.probeIntervalS * (1 - CLIENT.probeJitter + 2 * CLIENT.probeJitter * probeRandom.next()), probe);
    };
    // as Network.create: a first probe of every site before the first decision, then periodic ones
    events.at(0, probe);
  }

  for (const job of jobs) {
    events.at(job.arrival, () => {
      const candidates = [...sites.values()].map((s) => ({
        site: s.sim.description,
        live: { ...s.health.view(), inFlight: s.inFlight, queued: s.local.length, running: s.running, waitingCores: waitingCores(s) },
      }));
      const record = decide({
        job: { id: `job-${job.id}`, idempotencyKey: `job-${job.id}` },
        request: job.request,
        candidates,
        strategy,
        seed,
        now: clockMs(),
        submitted: true,
      });
      const run: JobRun = { job, ranked: record.candidates, tried: new Map(), attempts: 0, failedOver: false, waitedS: 0 };
      runs.push(run);
      tryNext(run);
    });
  }

  events.run(() => finished >= jobs.length);

  const first = jobs[0]?.arrival ?? 0;
  const waits = runs.filter((r) => r.end && r.end.state !== 'lost').map((r) => (r.end?.startedAt ?? 0) - r.job.arrival).sort((a, b) => a - b);
  const last = Math.max(...runs.map((r) => r.end?.at ?? 0));
  return {
    strategy: strategy.name,
    makespanS: last - first,
    meanWaitS: waits.reduce((a, b) => a + b, 0) / Math.max(1, waits.length),
    p95WaitS: waits[Math.min(waits.length - 1, Math.floor(waits.length * 0.95))] ?? 0,
    bytesMoved,
    failedOver: runs.filter((r) => r.failedOver).length,
    lost: runs.filter((r) => r.end?.state === 'lost').length,
    completed: runs.filter((r) => r.end?.state === 'complete').length,
    executorErrors: runs.filter((r) => r.end?.state === 'executor_error').length,
  };
}
