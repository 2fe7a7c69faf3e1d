/**
 * pulsar-network: one typed client for the European Pulsar Network and any
 * GA4GH TES endpoint. This entry runs on Node.js, Deno and browsers; file
 * system sources, the local site and AMQP live in `pulsar-network/node`.
 *
 * @example
 * ```ts
 * import { HttpClient } from 'pulsar-network';
 * const http = new HttpClient({ baseUrl: 'https://tes.example.org/ga4gh/tes/v1' });
 * console.log(await http.json({ path: 'service-info' }));
 * ```
 * @module
 */
export * from './errors.js';
export { REDACTED, redactUrl } from './redact.js';

export * from './http/index.js';

export * from './tes/index.js';

export * from './pulsar/index.js';

export * from './transfer/index.js';

export * from './jobs/index.js';

export * from './sites/index.js';

export * from './network/index.js';

export * from './policy/index.js';

export * from './display/index.js';

import { installJupyterDisplays } from './display/install.js';

// Jobs, networks and task lists show themselves in Jupyter notebooks (Deno's kernel); no effect elsewhere.
installJupyterDisplays();
