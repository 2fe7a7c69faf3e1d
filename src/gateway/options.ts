/**
 * The options of `createTesGateway` and the gateway it returns.
 * @module
 */
import type { AccessLogEntry } from './access-log.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { HostResolver } from '../policy/node-environment.js';
import type { UrlRules } from '../policy/url-rules.js';
import type { GatewayClient } from './clients.js';
import type { ClientLimits, TaskLimits } from './fair-use.js';
import type { GatewayTask, TaskStore } from './store.js';

/** Options of `createTesGateway`. */
export interface TesGatewayOptions {
  /** Where tasks are kept. @default a `SqliteTaskStore` at `storePath` */
  store?: TaskStore;
  /** The SQLite file of the default store (created 0600). @default 'pulsar-network-gateway.db' */
  storePath?: string;
  /**
   * Clients by name: each a bearer token (at least 16 characters), or the
   * token with the client's own URL rules and limits. Each client sees only
   * its own tasks.
   */
  clients?: Record<string, string | GatewayClient>;
  /**
   * Serve without tokens: only loopback callers, only on a loopback address,
   * and never a request relayed by a proxy (one carrying `Forwarded` or
   * `X-Forwarded-For`). Unsafe on a shared host (any local user is served)
   * and behind a reverse proxy on the same host.
   * @default false
   */
  allowUnauthenticated?: boolean;
  /**
   * The URL rules of every task (see docs/security.md): each list given
   * replaces its default (inputs: schemes http, https and file, no roots,
   * no non-public address; outputs: scheme file, no roots).
   */
  urls?: UrlRules;
  /** Rules a site adds for the tasks it runs, by site id (a task that needs them goes only there). */
  siteUrls?: Record<string, UrlRules>;
  /**
   * Ask for each http(s) input when the task arrives, following redirects
   * through the same checks and stopping at the headers, so a redirect to a
   * refused address is a 400 before anything is accepted. Fetches made
   * later are checked at connect time either way.
   * @default true
   */
  checkRedirects?: boolean;
  /** Resolves host names for the URL policy (tests give their own). @default the system resolver */
  resolver?: HostResolver;
  /**
   * More paths no task may read or write (the command line adds its
   * configuration file). The task database and the directories of local
   * sites and AMQP state are always protected.
   */
  protect?: string[];
  /** Every client's limits, unless the client sets its own. @default see `DEFAULT_CLIENT_LIMITS` */
  limits?: Partial<ClientLimits>;
  /** Caps on one task. @default see `DEFAULT_TASK_LIMITS` */
  taskLimits?: Partial<TaskLimits>;
  /** Receives start-up warnings (a trusted local site). @default console.warn */
  onWarning?: (message: string) => void;
  /** Largest request body accepted, in bytes (413 beyond). @default 1 MiB */
  maxBodyBytes?: number;
  /** The gateway's own service-info identity. */
  service?: {
    /** service-info `id`. @default 'org.pulsar-network.tes-gateway' */
    id?: string;
    /** service-info `name`. @default 'pulsar-network TES gateway' */
    name?: string;
    /** service-info `description`. @default a sentence naming the network's sites */
    description?: string;
    /** service-info `organization`. @default pulsar-network and its repository URL */
    organization?: {
      /** The organization's name. */
      name: string;
      /** The organization's URL. */
      url: string;
    };
    /** service-info `version`. @default '0.1.0' */
    version?: string;
  };
  /**
   * Hears of every answered request (method, path without query, status,
   * client name, duration; never a token), e.g.
   * `(e) => console.log(formatAccessLog(e))`.
   */
  accessLog?: (entry: AccessLogEntry) => void;
  /** Server timeouts, in milliseconds. @default request 60 000, headers 15 000, keep-alive 5 000 */
  timeouts?: {
    /** Longest time to receive a whole request, in milliseconds. @default 60000 */
    requestMs?: number;
    /** Longest time to receive the request headers, in milliseconds. @default 15000 */
    headersMs?: number;
    /** How long an idle kept-alive connection stays open, in milliseconds. @default 5000 */
    keepAliveMs?: number;
  };
}

/** A running TES gateway. */
export interface TesGateway {
  /** The Node request handler (mount it in any HTTP server). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** An HTTP server with the handler, size limits and timeouts (not listening). */
  createServer(): Server;
  /**
   * Starts a server on `host:port` (defaults 127.0.0.1 and a free port) and
   * resolves with it and the TES base URL. Without client tokens it refuses
   * any address it binds to that is not a loopback address.
   */
  listen(options?: {
    /** The port; 0 asks the OS for a free one. @default 0 */
    port?: number;
    /** The address to bind. @default '127.0.0.1' */
    host?: string;
  }): Promise<{
    /** The listening server. */
    server: Server;
    /** The TES base URL, e.g. `http://127.0.0.1:8000/ga4gh/tes/v1`. */
    url: string;
  }>;
  /** The stored task (any owner), for tools and tests. */
  task(id: string): GatewayTask | undefined;
  /** Tasks re-attached when the gateway started. */
  readonly resumed: readonly string[];
  /** Warnings given at start (a trusted local site: what it lets clients do). */
  readonly warnings: readonly string[];
  /**
   * The addresses, ranges and host names some URL rule lets inputs reach
   * although they are not public: give them to `guardedFetch` for the sites
   * that fetch inputs on this host (`nodeSiteRegistry({ inputFetch })`).
   */
  readonly connectAllow: readonly string[];
  /** Resolves when every task this gateway follows has reached a terminal state and been stored. */
  idle(): Promise<void>;
  /** Stops the server(s) it started and closes the store. Tasks go on on their sites. */
  close(): Promise<void>;
}
