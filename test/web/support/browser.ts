// Shared by the web tests: Debian's Chromium driven by playwright-core (never a downloaded
// browser), the built front end, an in-process server, and the CLI run in a child process.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type BrowserContext } from 'playwright-core';
import type { Server } from 'node:http';
import { createDmagateServer, listen } from '../../../src/web/server.js';
import { buildPayload } from '../../../src/web/payload.js';
import { defaultCombinationLines, docsDir, pageScenario } from '../../../src/web/page.js';
import { IOMMU_IDS } from '../../../src/kernel/platform.js';
import { bundledPath } from '../../../src/platform/package-root.js';

/** Debian's Chromium; DMAGATE_CHROMIUM overrides the path (e.g. to check that the tests skip). */
export const CHROMIUM = process.env.DMAGATE_CHROMIUM ?? '/usr/bin/chromium';

/** A reason to skip browser tests, or false. */
export const noBrowser: string | false = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium; .ci/run installs it): browser tests skipped`;

export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];

export async function launch(): Promise<{ ctx: BrowserContext; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1500, height: 1000 } });
  return {
    ctx,
    close: async () => {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** web-dist/, built now if a checkout has not built it yet (npm ci's prepare does). */
export function ensureBuilt(): string {
  const dir = bundledPath('web-dist');
  if (!existsSync(join(dir, 'assets', 'app.js'))) {
    const r = spawnSync(process.execPath, [join(bundledPath('node_modules', 'vite', 'bin', 'vite.js')), 'build', '--config', 'web/vite.config.ts'], { cwd: bundledPath(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vite build failed:\n${r.stderr}`);
  }
  return dir;
}

/** The server of `dmagate serve` on the reference platform, in this process, on a free port. */
export async function startServer(audit: () => { json: string } | { missing: string } = () => ({ missing: 'no audit in this test' })): Promise<{ url: string; server: Server }> {
  const sc = pageScenario(undefined);
  const payload = buildPayload({ mode: 'serve', name: sc.name, file: null, platform: sc.platform, variantText: sc.variantText, events: sc.events, combinations: defaultCombinationLines(), iommus: [...IOMMU_IDS], docsBase: '/docs/' });
  const server = createDmagateServer({ assetsDir: ensureBuilt(), docsDir: docsDir(), scenarioJson: JSON.stringify(payload), loopbackOnly: true, audit });
  const a = await listen(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${a.port}/`, server };
}

const DRIVER = new URL('../../verify/cli-driver.ts', import.meta.url).pathname;

/** Runs dmagate invocations in one child process (test/verify/cli-driver.ts). */
export function cli(runs: string[][]): { code: number; out: string; err: string }[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify(runs)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`cli driver failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { code: number; out: string; err: string }[];
}

export interface JsonCellOut {
  iommu: string;
  passthrough: boolean;
  ccGuest: boolean;
  variant: string;
  results: Record<string, { verdict: string; trace?: string[]; why?: string }>;
}

/** "holds=N violated=N n/a=N inconclusive=N" of a JSON cell, as the page's data-counts. */
export function countsText(c: JsonCellOut): string {
  const k: Record<string, number> = { holds: 0, violated: 0, 'n/a': 0, inconclusive: 0 };
  for (const r of Object.values(c.results)) k[r.verdict]++;
  return `holds=${k.holds} violated=${k.violated} n/a=${k['n/a']} inconclusive=${k.inconclusive}`;
}

export const cellId = (c: { iommu: string; variant: string; passthrough: boolean; ccGuest: boolean }): string => `${c.iommu}|${c.variant}|${c.passthrough ? 1 : 0}|${c.ccGuest ? 1 : 0}`;
