#!/usr/bin/env node
// The `pulsar-network` command line; its code is built into dist/cli.js (src/cli/).
import '../dist/cli.js';
