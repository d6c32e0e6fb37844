// The web explorer's speed, measured in one run (docs/web.md "Speed"):
//  - first paint of the matrix view from the localhost server (Chromium's first-contentful-
//    paint, and when the 200-cell grid is on screen), over fresh pages;
//  - the 200-cell matrix computed in the browser vs the CLI: `dmagate matrix --json` as a
//    process from dist/ (wall time) and runMatrix in this process on one thread (compute only,
//    the like-for-like figure: the browser runs one thread too).
// Usage: npm run build && node --import tsx bench/web-bench.ts [runs=3]
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { launch, noBrowser, startServer } from '../test/web/support/browser.js';
import { bundledPath } from '../src/platform/package-root.js';
import { referencePlatform } from '../src/platform/reference.js';
import { cellsOf, runMatrix } from '../src/verify/matrix.js';
import { defaultCombinations } from '../src/verify/combinations.js';
import { IOMMU_IDS } from '../src/kernel/platform.js';

if (noBrowser) {
  console.error(noBrowser);
  process.exit(1);
}
const runs = Number(process.argv[2] ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number): string => `${Math.round(x)} ms`;

const { url, server } = await startServer();
const b = await launch();
const fcp: number[] = [];
const grid: number[] = [];
const browserMatrix: number[] = [];
for (let i = 0; i < runs; i++) {
  const page = await b.ctx.newPage();
  await page.goto(url + '#/matrix');
  await page.waitForSelector('[data-testid=matrix-done]', { timeout: 120_000 });
  const t = (await page.evaluate(`({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    grid: window.__dmagate.firstGridMs,
    matrix: window.__dmagate.matrixMs,
    cells: window.__dmagate.cells,
  })`)) as { fcp: number; grid: number; matrix: number; cells: number };
  if (t.cells !== 200) throw new Error(`the page computed ${t.cells} cells, not 200`);
  fcp.push(t.fcp);
  grid.push(t.grid);
  browserMatrix.push(t.matrix);
  await page.close();
}
await b.close();
server.close();

const cliWall: number[] = [];
const bin = bundledPath('bin', 'dmagate.js');
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'matrix', '--json', '--fail-on', 'never'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  cliWall.push(performance.now() - t0);
  if (r.status !== 0) throw new Error(`dmagate matrix failed: ${r.stderr}`);
}
const inProc: number[] = [];
const cells = cellsOf(defaultCombinations(), [...IOMMU_IDS]);
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  await runMatrix(referencePlatform(), cells, { jobs: 1 });
  inProc.push(performance.now() - t0);
}

console.log(`dmagate web bench — ${runs} runs each, medians`);
console.log(`  matrix view first contentful paint (localhost)   ${ms(median(fcp))}`);
console.log(`  matrix grid (200 cells, pending) on screen       ${ms(median(grid))}`);
console.log(`  200-cell matrix computed in Chromium             ${ms(median(browserMatrix))}`);
console.log(`  200-cell matrix, runMatrix in Node, 1 thread     ${ms(median(inProc))}`);
console.log(`  dmagate matrix --json (process, dist/, default)  ${ms(median(cliWall))}`);
console.log(`  ratio browser / Node 1 thread                    ${(median(browserMatrix) / median(inProc)).toFixed(2)}×`);
console.log(`  ratio browser / CLI process                      ${(median(browserMatrix) / median(cliWall)).toFixed(2)}×`);
