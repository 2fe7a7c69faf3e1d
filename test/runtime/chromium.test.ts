// Runtime matrix: the packed package in headless Chromium (Debian's chromium
// driven by playwright-core). The browser entry is bundled by esbuild from the
// installed tarball, served from one origin, and calls the API on another
// origin (so CORS applies, as for a real TES server).
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { requireRuntime, runtimePaths } from '../peers/runtimes.js';
import { type ApiServer, startApiServer } from './support/api-server.js';
import { BLOB, expectedResult, type ScenarioResult, TOKEN } from './support/run-program.js';

describe('Chromium', () => {
  let api: ApiServer;
  let site: ApiServer;
  let browser: Browser;

  beforeAll(async () => {
    const consumer = inject('consumerDir');
    const staticDir = join(consumer, 'browser-static');
    await build({
      entryPoints: [join(consumer, 'browser.mjs')],
      outfile: join(staticDir, 'bundle.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
    });
    await copyFile(join(consumer, 'browser.html'), join(staticDir, 'index.html'));
    api = await startApiServer({ token: TOKEN });
    site = await startApiServer({ token: TOKEN, staticDir });
    // playwright gives every launch a fresh temporary profile.
    browser = await chromium.launch({
      executablePath: requireRuntime(runtimePaths().chromium, 'install-chromium.sh'),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await site?.close();
  });

  it('loads the bundled package, makes a real cross-origin call, retries a 503, types a 404 and moves a Blob up and back', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const query = new URLSearchParams({ api: `${api.url}/api/`, label: 'chromium', token: TOKEN });
    await page.goto(`${site.url}/static/index.html?${query}`);
    await page.waitForFunction(() => (window as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 });
    const result = (await page.evaluate(() => (window as { __result?: unknown }).__result)) as ScenarioResult;
    expect(errors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.runtime).toMatch(/HeadlessChrome|Chrome\//);
    expect(result).toMatchObject(expectedResult('chromium'));
    expect(result.retries).toEqual([expect.stringContaining('503')]);
    expect(api.requests).toContain('OPTIONS /api/hello'); // the CORS preflight of a bearer-token call
    expect(api.requests).toContain('GET /api/hello');
    // The browser sent the Blob whole (it cannot stream a request body over HTTP/1.1), hashed by hash-wasm on the way.
    expect(api.uploads).toEqual([{ key: 'chromium', size: BLOB.size, sha256: BLOB.sha256, contentLength: String(BLOB.size) }]);
    expect(api.requests).toContain('OPTIONS /api/blob/chromium');
  });
});
