/**
 * Names of the queues a Pulsar manager uses on its AMQP broker, by Pulsar's
 * own rule. Portable (no `node:` imports).
 * @module
 */

/** The exchange every Pulsar queue is bound to (direct, durable). */
export const PULSAR_EXCHANGE = 'pulsar';

/** The queues of one manager; each name is also its routing key. */
export interface PulsarQueues {
  /** The prefix before `_<name>` (acknowledgement replies go to `<prefix>_<acknowledge_queue>`). */
  prefix: string;
  /** Launch dicts (the client publishes, Pulsar consumes). */
  setup: string;
  /** `{job_id}`: kill a job. */
  kill: string;
  /** `{job_id}`: Pulsar re-publishes the job's current status. */
  status: string;
  /** Status dicts (Pulsar publishes, the client consumes). */
  statusUpdate: string;
  /** Acknowledgements of status updates (`amqp_acknowledge`; the client publishes). */
  statusUpdateAck: string;
  /** Acknowledgements of the client's setup messages (Pulsar publishes). */
  setupAck: string;
  /** Acknowledgements of the client's kill messages. */
  killAck: string;
  /** Acknowledgements of the client's status requests. */
  statusAck: string;
}

/**
 * The queue (and routing key) names of a manager: `<prefix>_<name>`, where
 * the prefix is `amqpKeyPrefix` when set, else `pulsar_` for the manager
 * `_default_` and `pulsar_<manager>_` for any other. So the default manager
 * uses `pulsar__setup`, `pulsar__status_update`, … (double underscore).
 *
 * @example
 * ```ts
 * pulsarQueues().statusUpdate; // 'pulsar__status_update'
 * pulsarQueues('gpu').setup; // 'pulsar_gpu__setup'
 * pulsarQueues('gpu', 'eu_site1').kill; // 'eu_site1_kill'
 * ```
 */
export function pulsarQueues(manager = '_default_', amqpKeyPrefix?: string): PulsarQueues {
  const prefix = amqpKeyPrefix ?? (manager === '_default_' ? 'pulsar_' : `pulsar_${manager}_`);
  const name = (base: string): string => `${prefix}_${base}`;
  return {
    prefix,
    setup: name('setup'),
    kill: name('kill'),
    status: name('status'),
    statusUpdate: name('status_update'),
    statusUpdateAck: name('status_update_ack'),
    setupAck: name('setup_ack'),
    killAck: name('kill_ack'),
    statusAck: name('status_ack'),
  };
}
