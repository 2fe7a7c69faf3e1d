/**
 * Runs the sha256 candidates inside headless Chromium (bundled with esbuild,
 * driven by playwright-core) and returns the printed lines.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function measureInChromium(totalMiB: number): Promise<string[]> {
  if (!existsSync(CHROMIUM)) return [`(no Chromium at ${CHROMIUM}: set CHROMIUM_PATH to measure in a browser)`];
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, 'candidates.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'shaBench',
    platform: 'browser',
    write: false,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const version = browser.version();
    return await page.evaluate(
      ([mib, name]) => (globalThis as unknown as { shaBench: { measure(r: string, m: number): Promise<string[]> } }).shaBench.measure(name, mib),
      [totalMiB, `Chromium ${version}`] as const,
    );
  } finally {
    await browser.close();
  }
}
