/**
 * A `pulsar-amqp` site of a network configuration as {@link PulsarMqSiteOptions}.
 * @module
 */
import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { Auth } from '../../http/auth.js';
import type { PulsarMqSiteOptions } from './mq-options.js';

const KEYS = [
  'jobsDirectory',
  'manager',
  'amqpKeyPrefix',
  'filesServer',
  'durable',
  'acknowledge',
  'republishMs',
  'heartbeatSeconds',
  'statusRequestIntervalMs',
  'setupGraceMs',
  'submitTimeoutMs',
  'env',
  'dependenciesDescription',
  'submitParams',
  'stateDirectory',
] as const;

/**
 * Reads the `options` of a configured `pulsar-amqp` site. `basic` auth
 * becomes the broker URL's user and password; other auth types do not apply
 * to AMQP and are refused.
 *
 * @example
 * ```ts
 * pulsarMqConfig('eu1', 'amqps://mq.example.org', { type: 'basic', username: 'me', password: 's3cret' },
 *   { jobsDirectory: '/srv/pulsar/staging', filesServer: { port: 8700, publicUrl: 'https://me.example.org:8700' } });
 * ```
 */
export function pulsarMqConfig(id: string, url: string, auth: Auth, options: Record<string, unknown>): PulsarMqSiteOptions {
  const issues: ValidationIssue[] = [];
  const at = (key: string): string => `$.sites[id=${id}].options.${key}`;
  const fail = (key: string, message: string): void => {
    issues.push({ path: at(key), message });
  };
  for (const key of Object.keys(options)) if (!(KEYS as readonly string[]).includes(key)) fail(key, 'is not an option of a pulsar-amqp site');

  let broker = url;
  if (auth.type === 'basic') {
    const parsed = new URL(url);
    parsed.username = encodeURIComponent(auth.username);
    parsed.password = encodeURIComponent(auth.password);
    broker = parsed.href;
  } else if (auth.type !== 'none') {
    issues.push({ path: `$.sites[id=${id}].auth.type`, message: 'a pulsar-amqp site takes basic auth (the broker user) or none' });
  }
  const result: PulsarMqSiteOptions = { id, url: broker, jobsDirectory: '' };
  const o = options;
  if (typeof o.jobsDirectory === 'string' && o.jobsDirectory.startsWith('/')) result.jobsDirectory = o.jobsDirectory;
  else fail('jobsDirectory', "is required: the absolute path of the Pulsar server's staging_directory");
  const text = (key: 'manager' | 'amqpKeyPrefix'): void => {
    if (o[key] === undefined) return;
    if (typeof o[key] === 'string' && o[key] !== '') result[key] = o[key];
    else fail(key, 'must be a non-empty string');
  };
  text('manager');
  text('amqpKeyPrefix');
  if (o.stateDirectory !== undefined) {
    if (typeof o.stateDirectory === 'string' && o.stateDirectory.startsWith('/') && !/[\n\r\0]/.test(o.stateDirectory)) result.stateDirectory = o.stateDirectory;
    else fail('stateDirectory', 'must be an absolute directory path');
  }
  const flag = (key: 'durable' | 'acknowledge'): void => {
    if (o[key] === undefined) return;
    if (typeof o[key] === 'boolean') result[key] = o[key];
    else fail(key, 'must be true or false');
  };
  flag('durable');
  flag('acknowledge');
  const count = (key: 'republishMs' | 'heartbeatSeconds' | 'statusRequestIntervalMs' | 'setupGraceMs' | 'submitTimeoutMs'): void => {
    if (o[key] === undefined) return;
    if (typeof o[key] === 'number' && Number.isInteger(o[key]) && o[key] >= 0) result[key] = o[key];
    else fail(key, 'must be a non-negative integer');
  };
  count('republishMs');
  count('heartbeatSeconds');
  count('statusRequestIntervalMs');
  count('setupGraceMs');
  count('submitTimeoutMs');
  if (o.filesServer !== undefined) {
    const server = filesServerConfig(o.filesServer, fail);
    if (server) result.filesServer = server;
  }
  if (o.env !== undefined) {
    if (Array.isArray(o.env) && o.env.every((e) => typeof e === 'object' && e !== null)) result.env = o.env as NonNullable<PulsarMqSiteOptions['env']>;
    else fail('env', 'must be a list of {name, value} (or {file} / {execute}) objects');
  }
  for (const key of ['dependenciesDescription', 'submitParams'] as const) {
    if (o[key] === undefined) continue;
    if (typeof o[key] === 'object' && !Array.isArray(o[key]) && (o[key] !== null || key === 'dependenciesDescription')) {
      result[key] = o[key] as Record<string, unknown>;
    } else fail(key, 'must be an object');
  }
  if (issues.length > 0) throw new ValidationError('pulsar-amqp site options', issues);
  return result;
}

/** The `filesServer` option: host, port, public URL and output cap of the job-files server. */
function filesServerConfig(files: unknown, fail: (key: string, message: string) => void): PulsarMqSiteOptions['filesServer'] {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    fail('filesServer', 'must be an object { host, port, publicUrl, maxOutputBytes }');
    return undefined;
  }
  const { host, port, publicUrl, maxOutputBytes, ...rest } = files as Record<string, unknown>;
  for (const key of Object.keys(rest)) fail(`filesServer.${key}`, 'is not an option of the job-files server');
  const server: NonNullable<PulsarMqSiteOptions['filesServer']> = {};
  if (host !== undefined) {
    if (typeof host === 'string' && host !== '') server.host = host;
    else fail('filesServer.host', 'must be a non-empty string');
  }
  if (port !== undefined) {
    if (typeof port === 'number' && Number.isInteger(port) && port >= 0 && port < 65536) server.port = port;
    else fail('filesServer.port', 'must be a port number (0 for any free one)');
  }
  if (publicUrl !== undefined) {
    if (typeof publicUrl === 'string' && /^https?:\/\//i.test(publicUrl)) server.publicUrl = publicUrl;
    else fail('filesServer.publicUrl', 'must be an http(s) URL');
  }
  if (maxOutputBytes !== undefined) {
    if (typeof maxOutputBytes === 'number' && Number.isSafeInteger(maxOutputBytes) && maxOutputBytes > 0) server.maxOutputBytes = maxOutputBytes;
    else fail('filesServer.maxOutputBytes', 'must be a positive whole number of bytes');
  }
  return server;
}
