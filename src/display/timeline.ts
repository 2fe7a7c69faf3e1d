/**
 * `TimelineRecorder`: what happened to jobs over time, per attempt and site,
 * recorded from the jobs' own events (the `site`, `state`, `transfer` and
 * `done` events a `Job` or a `Network` emits).
 * @module
 */
import type { JobEvent } from '../jobs/events.js';
import type { Job } from '../jobs/job.js';
import { isTerminalState } from '../jobs/state.js';
import type { Network } from '../network/network.js';
import { JUPYTER_DISPLAY, type MimeBundle } from './bundles.js';
import { timelineSvg, type TimelineSvgOptions } from './timeline-svg.js';

/**
 * A phase of an attempt: `staging` (the site was chosen; inputs move to it
 * and the job is submitted), `queued` (the site holds the job, not started),
 * `running`, `transfer` (outputs move back).
 */
export type TimelinePhase = 'staging' | 'queued' | 'running' | 'transfer';

/** One phase of an attempt, in milliseconds since the epoch. */
export interface TimelineSegment {
  /** The phase. */
  phase: TimelinePhase;
  /** When it began. */
  start: number;
  /** When it ended (for an attempt still going on: when the timeline was taken). */
  end: number;
}

/** One try of one job on one site. */
export interface TimelineAttempt {
  /** The job's id. */
  jobId: string;
  /** The job's name, when its spec has one. */
  jobName?: string;
  /** The site's id (`?` when the job ended before any site took it). */
  site: string;
  /** When the attempt began. */
  start: number;
  /** When it ended, or when the timeline was taken for one still going on. */
  end: number;
  /** How it ended: a terminal job state, or `failover`; absent while it goes on. */
  ending?: string;
  /** Set when the job left the site for another (or for none): why. */
  failover?: {
    /** Why the job left the site (the failover's cause). */
    reason: string;
  };
  /** Its phases, in order. */
  segments: TimelineSegment[];
}

/** A snapshot of a {@link TimelineRecorder}. */
export interface Timeline {
  /** Every attempt, in the order they began. */
  attempts: TimelineAttempt[];
  /** The earliest start (milliseconds since the epoch). */
  start: number;
  /** The latest end. */
  end: number;
}

interface OpenAttempt {
  attempt: TimelineAttempt;
  open: boolean;
}

interface JobTrack {
  id: string;
  name?: string;
  /** When the job was first heard of, before any site took it. */
  pending?: number;
  current?: OpenAttempt;
}

/**
 * Records the attempts of jobs, each split into phases, from their events.
 * Watch a `Job` or a whole `Network` before (or right after) submitting:
 * events that went out before are not replayed, except a job's current state.
 * In a notebook the recorder shows itself as an SVG picture.
 *
 * A job's state never goes back: after a failover the job stays `running` if
 * it ran on the site it left, so the next attempt shows `queued` from the
 * site's acceptance to its end (no event says when that site started it).
 *
 * @example
 * ```ts
 * declare const network: Network;
 * declare const spec: JobSpec;
 * const recorder = new TimelineRecorder();
 * recorder.watch(network);
 * await network.submit(spec).wait();
 * const svg = recorder.toSvg({ title: 'my run' });
 * console.log(recorder.timeline().attempts.length, svg.length);
 * ```
 */
export class TimelineRecorder {
  readonly #jobs = new Map<string, JobTrack>();
  readonly #attempts: OpenAttempt[] = [];
  readonly #now: () => number;

  /** `now`: the clock for attempts still going on (tests). */
  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Records the events of a job, or of every job of a network. Returns a
   * function that stops recording.
   */
  watch(source: Job | Network): () => void {
    const names = ['state', 'site', 'transfer', 'done'] as const;
    // a network's events carry only the job's id: its name is in the job's decision record
    const nameOf = (jobId: string): string | undefined => ('spec' in source ? source.spec?.name : source.decision(jobId)?.job.name);
    const listener = (event: JobEvent): void => this.record(event, this.#jobs.get(event.jobId)?.name ?? nameOf(event.jobId));
    const emitter = source as unknown as { on(name: string, fn: (e: JobEvent) => void): void; off(name: string, fn: (e: JobEvent) => void): void };
    for (const name of names) emitter.on(name, listener);
    return () => {
      for (const name of names) emitter.off(name, listener);
    };
  }

  /** Records one event (what {@link TimelineRecorder.watch} does with each); `jobName` labels the job. */
  record(event: JobEvent, jobName?: string): void {
    let track = this.#jobs.get(event.jobId);
    if (!track) {
      track = { id: event.jobId };
      this.#jobs.set(event.jobId, track);
    }
    if (jobName !== undefined) track.name = jobName;
    const t = event.time;
    switch (event.type) {
      case 'site':
        if (event.action === 'trying') this.#begin(track, event.siteId, t, 'staging');
        else if (event.action === 'failover') this.#end(track, t, 'failover', event.reason ?? 'failover');
        else if (event.action === 'submitted' || event.action === 'attached') {
          if (track.current?.attempt.site === event.siteId) this.#phase(track, 'queued', t);
          else this.#begin(track, event.siteId, track.pending ?? t, 'queued');
        }
        return;
      case 'state':
        if (isTerminalState(event.state)) return this.#end(track, t, event.state);
        if (!track.current) {
          track.pending ??= t;
          return;
        }
        if (event.state === 'running') this.#phase(track, 'running', t);
        // (a job is `queued` while staging too: the phase moves on at the site's `submitted`)
        else if ((event.state === 'queued' || event.state === 'initializing') && this.#last(track) !== 'staging') this.#phase(track, 'queued', t);
        return;
      case 'transfer':
        if (event.direction === 'down' && track.current) this.#phase(track, 'transfer', t);
        return;
      case 'done':
        this.#end(track, t, event.result.state);
        // Its attempts are kept; the job's own track is not needed past its end.
        this.#jobs.delete(event.jobId);
        return;
      default:
        return;
    }
  }

  /** The attempts so far; those still going on end now. */
  timeline(): Timeline {
    const now = this.#now();
    const attempts = this.#attempts.map(({ attempt, open }) => {
      const copy: TimelineAttempt = { ...attempt, segments: attempt.segments.map((s) => ({ ...s })) };
      if (open) {
        copy.end = Math.max(now, attempt.start);
        const last = copy.segments.at(-1);
        if (last) last.end = copy.end;
      }
      return copy;
    });
    // (a loop, not Math.min(...spread): that throws past about 100,000 arguments)
    let start = Infinity;
    let end = -Infinity;
    for (const a of attempts) {
      start = Math.min(start, a.start);
      end = Math.max(end, a.end);
    }
    return { attempts, start: Number.isFinite(start) ? start : now, end: Number.isFinite(end) ? end : now };
  }

  /** The timeline as a self-contained SVG picture (see {@link timelineSvg}). */
  toSvg(options: TimelineSvgOptions = {}): string {
    return timelineSvg(this.timeline(), options);
  }

  /** The Jupyter rendering: the SVG picture. */
  [JUPYTER_DISPLAY](): MimeBundle {
    const timeline = this.timeline();
    const { attempts } = timeline;
    const failovers = attempts.filter((a) => a.failover).length;
    return { 'image/svg+xml': timelineSvg(timeline), 'text/plain': `Timeline of ${new Set(attempts.map((a) => a.jobId)).size} job(s): ${attempts.length} attempt(s), ${failovers} failover(s)` };
  }

  #last(track: JobTrack): TimelinePhase | undefined {
    return track.current?.attempt.segments.at(-1)?.phase;
  }

  #begin(track: JobTrack, site: string, start: number, phase: TimelinePhase): void {
    if (track.current?.open) this.#end(track, start, 'left');
    const attempt: TimelineAttempt = { jobId: track.id, site, start, end: start, segments: [{ phase, start, end: start }] };
    if (track.name !== undefined) attempt.jobName = track.name;
    const open = { attempt, open: true };
    track.current = open;
    delete track.pending;
    this.#attempts.push(open);
  }

  #phase(track: JobTrack, phase: TimelinePhase, time: number): void {
    const current = track.current;
    if (!current?.open) return;
    const segments = current.attempt.segments;
    const last = segments.at(-1);
    if (last?.phase === phase) return;
    if (last) last.end = time;
    segments.push({ phase, start: time, end: time });
  }

  #end(track: JobTrack, time: number, ending: string, failover?: string): void {
    let current = track.current;
    if (!current?.open) {
      // A job that ended before any site took it: an attempt on no site.
      if (ending === 'failover' || current) return;
      this.#begin(track, '?', track.pending ?? time, 'staging');
      current = track.current as OpenAttempt;
    }
    const { attempt } = current;
    current.open = false;
    attempt.end = time;
    attempt.ending = ending;
    if (failover !== undefined) attempt.failover = { reason: failover };
    const last = attempt.segments.at(-1);
    if (last) last.end = time;
  }
}
