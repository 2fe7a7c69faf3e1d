/**
 * The AMQP side of a Pulsar message-queue site: one connection to the
 * broker that reconnects with backoff, redeclares the exchange and queues,
 * publishes with publisher confirms, consumes status updates, and speaks
 * Pulsar's optional acknowledgement protocol (`amqp_acknowledge`). Node-only.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { connect, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { AbortError, ConnectionError } from '../../errors.js';
import { resolveRetryPolicy, retry, type RetryOptions } from '../../http/retry.js';
import { redactUrl } from '../../redact.js';
import { PULSAR_EXCHANGE, type PulsarQueues } from './queues.js';

/** Keys of Pulsar's acknowledgement protocol (`pulsar/client/amqp_exchange.py`). */
const ACK = {
  uuid: 'acknowledge_uuid',
  queue: 'acknowledge_queue',
  submitQueue: 'acknowledge_submit_queue',
  response: 'acknowledge_uuid_response',
  forceNoack: 'force_noack',
} as const;

/** Longest wait for a connection and its channel to be ready, in milliseconds. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The queues the client publishes to, by their base name. */
export type PublishQueue = 'setup' | 'kill' | 'status';

/** Options of a {@link PulsarBroker}. */
export interface PulsarBrokerOptions {
  url: string;
  queues: PulsarQueues;
  /** Declare the exchange and queues durable, as Pulsar's `amqp_durable` (default true) does. */
  durable: boolean;
  /** Ask Pulsar to acknowledge setup, kill and status messages, and republish those it does not. */
  acknowledge: boolean;
  /** Republish an unacknowledged message after this long, in milliseconds. */
  republishMs: number;
  /** Backoff of reconnection attempts (retried until closed). */
  reconnect?: RetryOptions;
  /** AMQP heartbeat, in seconds (0 disables). */
  heartbeatSeconds: number;
  /**
   * A status update body (parsed JSON), handled before the message is
   * acknowledged to the broker. `seen` is true for a message whose
   * `acknowledge_uuid` came before (a republish): it must change nothing.
   */
  onStatusUpdate: (body: Record<string, unknown>, seen: boolean) => void | Promise<void>;
  /** Pulsar acknowledged the message {@link PulsarBroker.publish} gave this uuid for. */
  onAcknowledged?: (uuid: string) => void;
  /** After every (re)connection, once the queues are declared and consumed. */
  onConnected: (reconnected: boolean) => void;
  /** A connection was lost or an attempt failed (for diagnostics). */
  onConnectionError?: (error: Error) => void;
}

interface Pending {
  queue: PublishQueue;
  payload: Record<string, unknown>;
  sentAt: number;
}

/**
 * One reconnecting connection to the broker of a Pulsar manager.
 *
 * @example
 * ```ts
 * const broker = new PulsarBroker({ url, queues: pulsarQueues(), durable: true, acknowledge: false, republishMs: 30_000,
 *   heartbeatSeconds: 30, onStatusUpdate: (body) => console.log(body.status), onConnected: () => {} });
 * broker.start();
 * await broker.publish('status', { job_id: 'abc' });
 * ```
 */
export class PulsarBroker {
  readonly #options: PulsarBrokerOptions;
  readonly #closing = new AbortController();
  #connection: ChannelModel | undefined;
  #channel: ConfirmChannel | undefined;
  #ready: Promise<ConfirmChannel>;
  #resolveReady!: (channel: ConfirmChannel) => void;
  #connecting = false;
  #connections = 0;
  readonly #pendingAcks = new Map<string, Pending>();
  readonly #seenAcks = new Set<string>();
  /** Status updates being handled (acknowledged to the broker once their handler settles). */
  readonly #handling = new Set<Promise<void>>();
  #republishTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: PulsarBrokerOptions) {
    this.#options = options;
    this.#ready = this.#newReady();
  }

  /** True while a channel is open. */
  get connected(): boolean {
    return this.#channel !== undefined;
  }

  /** Messages published with an acknowledgement request that Pulsar has not acknowledged yet. */
  get unacknowledged(): number {
    return this.#pendingAcks.size;
  }

  /** Starts connecting (in the background, retried until {@link close}). */
  start(): void {
    void this.#connectLoop();
    if (this.#options.acknowledge && !this.#republishTimer) {
      this.#republishTimer = setInterval(() => void this.#republish(), Math.max(250, Math.floor(this.#options.republishMs / 2)));
      this.#republishTimer.unref?.();
    }
  }

  /**
   * Publishes a JSON message to one of Pulsar's queues and resolves once the
   * broker confirmed it. While the broker is away it waits for the
   * reconnection (until `signal` aborts or the broker is closed). With
   * acknowledgements on, resolves to the uuid Pulsar will acknowledge (see
   * {@link awaitingAck}).
   */
  async publish(queue: PublishQueue, body: Record<string, unknown>, signal?: AbortSignal): Promise<string | undefined> {
    const payload = { ...body };
    let uuid: string | undefined;
    if (this.#options.acknowledge && payload[ACK.forceNoack] === undefined) {
      uuid = randomUUID();
      payload[ACK.uuid] = uuid;
      payload[ACK.queue] = `${queue}_ack`;
      payload[ACK.submitQueue] = queue;
      this.#pendingAcks.set(uuid, { queue, payload, sentAt: Date.now() });
    }
    await this.#send(this.#options.queues[queue], payload, signal);
    return uuid;
  }

  /** True while Pulsar has not acknowledged the message {@link publish} gave this uuid for. */
  awaitingAck(uuid: string): boolean {
    return this.#pendingAcks.has(uuid);
  }

  /**
   * Takes over a message published (with this uuid) by an earlier client
   * that Pulsar has not acknowledged yet: it is republished until Pulsar
   * does, as if {@link publish} had sent it, and {@link awaitingAck} reports it.
   */
  expectAck(uuid: string, queue: PublishQueue, body: Record<string, unknown>): void {
    if (!this.#options.acknowledge) return;
    const payload = { ...body, [ACK.uuid]: uuid, [ACK.queue]: `${queue}_ack`, [ACK.submitQueue]: queue };
    this.#pendingAcks.set(uuid, { queue, payload, sentAt: Date.now() });
  }

  /**
   * How many consumers the manager's `setup` queue has (Pulsar consumes it
   * while it runs); `undefined` while the broker is away.
   */
  async setupConsumers(): Promise<number | undefined> {
    const connection = this.#connection;
    if (!connection) return undefined;
    // A failed check closes its channel, so it gets a channel of its own.
    const channel = await connection.createChannel().catch(() => undefined);
    if (!channel) return undefined;
    channel.on('error', () => undefined);
    try {
      return (await channel.checkQueue(this.#options.queues.setup)).consumerCount;
    } catch {
      return undefined;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /** Closes the connection once the status updates being handled are acknowledged; pending publishes reject with {@link AbortError}. */
  async close(): Promise<void> {
    this.#closing.abort();
    if (this.#republishTimer) clearInterval(this.#republishTimer);
    this.#republishTimer = undefined;
    // Status updates being handled are acknowledged first, so the broker does not hand them out again.
    await Promise.allSettled([...this.#handling]);
    const connection = this.#connection;
    this.#connection = undefined;
    this.#channel = undefined;
    await connection?.close().catch(() => undefined);
  }

  async #send(routingKey: string, payload: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    const content = Buffer.from(JSON.stringify(payload));
    // A publish lost with its connection is sent again on the next one (Pulsar ignores duplicate setups).
    for (;;) {
      const channel = await this.#channelFor(signal);
      try {
        await new Promise<void>((resolve, reject) => {
          channel.publish(
            PULSAR_EXCHANGE,
            routingKey,
            content,
            { persistent: this.#options.durable, contentType: 'application/json', contentEncoding: 'utf-8' },
            (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
          );
        });
        return;
      } catch (error) {
        if (this.#closing.signal.aborted) throw new AbortError('publishing to the Pulsar broker', { cause: error });
        if (this.#channel === channel) this.#lost(channel, error);
      }
    }
  }

  async #channelFor(signal?: AbortSignal): Promise<ConfirmChannel> {
    if (this.#closing.signal.aborted) throw new AbortError('publishing to the Pulsar broker');
    if (this.#channel) return this.#channel;
    const stops = [this.#closing.signal, signal].filter((s): s is AbortSignal => s !== undefined);
    return new Promise<ConfirmChannel>((resolve, reject) => {
      const onAbort = () => reject(new AbortError('waiting for the Pulsar broker'));
      for (const s of stops) s.addEventListener('abort', onAbort, { once: true });
      void this.#ready.then((channel) => {
        for (const s of stops) s.removeEventListener('abort', onAbort);
        resolve(channel);
      });
    });
  }

  #newReady(): Promise<ConfirmChannel> {
    return new Promise<ConfirmChannel>((resolve) => {
      this.#resolveReady = resolve;
    });
  }

  async #connectLoop(): Promise<void> {
    if (this.#connecting || this.#closing.signal.aborted) return;
    this.#connecting = true;
    const policy = resolveRetryPolicy({ retries: Number.POSITIVE_INFINITY, minDelay: 200, maxDelay: 5_000, ...this.#options.reconnect });
    try {
      await retry(() => this.#connectOnce(), policy, {
        signal: this.#closing.signal,
        shouldRetry: () => !this.#closing.signal.aborted,
        onRetry: ({ error }) => this.#options.onConnectionError?.(error instanceof Error ? error : new Error(String(error))),
      });
    } catch {
      // Closed while reconnecting.
    } finally {
      this.#connecting = false;
    }
  }

  async #connectOnce(): Promise<void> {
    let connection: ChannelModel;
    try {
      // The timeout covers the TCP connect and the AMQP handshake: a broker still booting may accept and stall.
      connection = await connect(withHeartbeat(this.#options.url, this.#options.heartbeatSeconds), { timeout: CONNECT_TIMEOUT_MS });
    } catch (error) {
      throw new ConnectionError({ method: 'AMQP', url: redactUrl(this.#options.url), mayHaveBeenSent: false, reason: String(error) }, { cause: error });
    }
    if (this.#closing.signal.aborted) {
      await connection.close().catch(() => undefined);
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the broker did not set up the channel within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      });
      const channel = await Promise.race([
        (async () => {
          const opened = await connection.createConfirmChannel();
          await this.#declare(opened);
          return opened;
        })(),
        stalled,
      ]);
      clearTimeout(timer);
      connection.on('error', () => undefined);
      connection.on('close', () => this.#lost(channel, new Error('connection closed')));
      channel.on('error', () => undefined);
      channel.on('close', () => this.#lost(channel, new Error('channel closed')));
      this.#connection = connection;
      this.#channel = channel;
      const reconnected = this.#connections++ > 0;
      this.#resolveReady(channel);
      this.#options.onConnected(reconnected);
    } catch (error) {
      clearTimeout(timer);
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  async #declare(channel: ConfirmChannel): Promise<void> {
    const { queues, durable, acknowledge } = this.#options;
    await channel.assertExchange(PULSAR_EXCHANGE, 'direct', { durable });
    const all = [queues.setup, queues.kill, queues.status, queues.statusUpdate, queues.statusUpdateAck];
    if (acknowledge) all.push(queues.setupAck, queues.killAck, queues.statusAck);
    for (const queue of all) {
      await channel.assertQueue(queue, { durable });
      await channel.bindQueue(queue, PULSAR_EXCHANGE, queue);
    }
    await channel.prefetch(64);
    await channel.consume(
      queues.statusUpdate,
      (message) => {
        const handled = this.#onStatusUpdate(channel, message);
        this.#handling.add(handled);
        void handled.finally(() => this.#handling.delete(handled));
      },
      { noAck: false },
    );
    if (acknowledge) {
      for (const queue of [queues.setupAck, queues.killAck, queues.statusAck]) {
        await channel.consume(queue, (message) => this.#onAck(channel, message), { noAck: false });
      }
    }
  }

  #lost(channel: ConfirmChannel, error: unknown): void {
    if (this.#channel !== channel && this.#channel !== undefined) return;
    if (this.#channel === channel) {
      const connection = this.#connection;
      this.#channel = undefined;
      this.#connection = undefined;
      this.#ready = this.#newReady();
      void connection?.close().catch(() => undefined);
      this.#options.onConnectionError?.(error instanceof Error ? error : new Error(String(error)));
    }
    if (!this.#closing.signal.aborted) void this.#connectLoop();
  }

  /** Acknowledged to the broker once handled (the handler's promise settled), so an update is not lost with this process. */
  async #onStatusUpdate(channel: ConfirmChannel, message: ConsumeMessage | null): Promise<void> {
    if (!message) return;
    const body = parseBody(message);
    if (body) {
      const uuid = body[ACK.uuid];
      const again = typeof uuid === 'string' && this.#seenAcks.has(uuid);
      if (typeof uuid === 'string') {
        const base = typeof body[ACK.queue] === 'string' ? (body[ACK.queue] as string) : 'status_update_ack';
        void this.#send(`${this.#options.queues.prefix}_${base}`, { [ACK.response]: uuid }).catch(() => undefined);
        this.#remember(uuid);
      }
      try {
        await this.#options.onStatusUpdate(body, again);
      } catch {
        // The handler's failure is its own; the message is still consumed.
      }
    }
    safeAck(channel, message);
  }

  #onAck(channel: ConfirmChannel, message: ConsumeMessage | null): void {
    if (!message) return;
    const body = parseBody(message);
    const uuid = body?.[ACK.response];
    if (typeof uuid === 'string' && this.#pendingAcks.delete(uuid)) this.#options.onAcknowledged?.(uuid);
    safeAck(channel, message);
  }

  #remember(uuid: string): void {
    this.#seenAcks.add(uuid);
    if (this.#seenAcks.size > 10_000) this.#seenAcks.delete(this.#seenAcks.values().next().value as string);
  }

  async #republish(): Promise<void> {
    if (!this.#channel) return;
    const now = Date.now();
    for (const [uuid, pending] of this.#pendingAcks) {
      if (now - pending.sentAt < this.#options.republishMs) continue;
      pending.sentAt = now;
      // Pulsar's rule: republished with `force_noack` and the same uuid (the receiver acknowledges it and
      // drops a uuid it has seen), again and again until acknowledged.
      if (!this.#pendingAcks.has(uuid)) continue;
      await this.#send(this.#options.queues[pending.queue], { ...pending.payload, [ACK.forceNoack]: true }).catch(() => undefined);
    }
  }
}

/** The URL with `heartbeat=<seconds>` unless it names one already (amqplib reads it from the query). */
function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.href;
}

function parseBody(message: ConsumeMessage): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(message.content.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function safeAck(channel: ConfirmChannel, message: ConsumeMessage): void {
  try {
    channel.ack(message);
  } catch {
    // The channel went away: the broker redelivers the message to the next consumer.
  }
}
