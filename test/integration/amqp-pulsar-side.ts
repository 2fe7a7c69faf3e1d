/**
 * The test playing Pulsar on a real broker, for PulsarMqSite tests: a manager name no
 * Pulsar serves, whose status updates the test publishes and whose setup and status
 * queues it reads.
 */
import { connect, type ConfirmChannel } from 'amqplib';
import type { PulsarMqSiteOptions } from '../../src/node.js';
import { PULSAR_EXCHANGE, pulsarQueues, type PulsarQueues } from '../../src/internal.js';

/** PulsarMqSite options of the tests against the real Pulsar: acknowledgements both ways, quick retries and status requests. */
export const QUICK_SITE_OPTIONS = {
  acknowledge: true,
  republishMs: 5_000,
  statusRequestIntervalMs: 2_000,
  reconnect: { minDelay: 100, maxDelay: 1_000 },
} as const satisfies Partial<PulsarMqSiteOptions>;

/** One manager's queues, driven by the test. */
export interface PulsarSide {
  queues: PulsarQueues;
  channel: ConfirmChannel;
  /** Publishes a status update, as Pulsar would. */
  say(body: Record<string, unknown>): Promise<void>;
  /** Takes every message waiting in one of the manager's queues off it; their bodies. */
  drain(queue: string): Promise<Array<Record<string, unknown>>>;
  /** Purges the setup and status queues and disconnects. */
  close(): Promise<void>;
}

/** Connects to `brokerUrl` as Pulsar's side of manager `manager`. */
export async function playPulsar(brokerUrl: string, manager: string): Promise<PulsarSide> {
  const queues = pulsarQueues(manager);
  const connection = await connect(brokerUrl);
  const channel = await connection.createConfirmChannel();
  return {
    queues,
    channel,
    async say(body) {
      channel.publish(PULSAR_EXCHANGE, queues.statusUpdate, Buffer.from(JSON.stringify(body)), { contentType: 'application/json' });
      await channel.waitForConfirms();
    },
    async drain(queue) {
      const bodies: Array<Record<string, unknown>> = [];
      for (let message = await channel.get(queue, { noAck: true }); message !== false; message = await channel.get(queue, { noAck: true })) {
        bodies.push(JSON.parse(message.content.toString()) as Record<string, unknown>);
      }
      return bodies;
    },
    async close() {
      // The site declared them; they may be gone if the broker restarted.
      for (const queue of [queues.setup, queues.status]) await channel.purgeQueue(queue).catch(() => undefined);
      await connection.close();
    },
  };
}
