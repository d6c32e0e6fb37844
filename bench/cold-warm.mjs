#!/usr/bin/env node
// How much of the default matrix is the model running cold (interpreted, before V8 optimises
// it): the 200 cells run N times in one process (dist/), CPU per run; and for the first run,
// the cells' cumulative exploration time every 20 cells. Not part of the test suite; nothing
// asserted. `npm run build` first.
//   node bench/cold-warm.mjs [--runs 5]
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
if (!existsSync(join(root, 'dist', 'verify', 'matrix.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const runs = Number(process.argv.includes('--runs') ? process.argv[process.argv.indexOf('--runs') + 1] : 5);
const { runMatrix, cellsOf } = await import(dist('verify/matrix.js'));
const { referencePlatform } = await import(dist('platform/reference.js'));
const { defaultCombinations } = await import(dist('verify/combinations.js'));
const { IOMMU_IDS } = await import(dist('kernel/platform.js'));

const base = referencePlatform();
const cells = cellsOf(defaultCombinations(), IOMMU_IDS);
console.log(`# cold vs warm — ${cells.length} cells, node ${process.version}, load ${loadavg()[0].toFixed(2)}`);
console.log('| run | CPU ms | wall ms | states |');
console.log('|---:|---:|---:|---:|');
let first;
for (let i = 1; i <= runs; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await runMatrix(base, cells, { jobs: 1 });
  const c = process.cpuUsage(c0);
  first ??= out;
  const states = out.reduce((n, x) => n + x.stats.states, 0);
  console.log(`| ${i} | ${((c.user + c.system) / 1000).toFixed(0)} | ${(performance.now() - t0).toFixed(0)} | ${states} |`);
}
let cum = 0;
const marks = [];
first.forEach((x, i) => {
  cum += x.stats.ms;
  if ((i + 1) % 20 === 0) marks.push(`${i + 1}: ${cum.toFixed(0)}`);
});
console.log(`\nrun 1, cumulative cell ms every 20 cells (cells in matrix order: IOMMU, then variant): ${marks.join(', ')}`);
