#!/usr/bin/env node
// How much the matrix's part memo shares (verify/part-memo.ts): part explorations asked, run
// (misses) and answered from an earlier cell, and how many distinct results the runs gave
// (premises, violations with traces, states, transitions) — the floor any sharing by what a
// part reads could reach. Not part of the test suite; `npm run build` first.
//   node bench/part-memo-stats.mjs
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
if (!existsSync(join(root, 'dist', 'verify', 'part-memo.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const { PartMemo } = await import(dist('verify/part-memo.js'));
const { runMatrix, cellsOf } = await import(dist('verify/matrix.js'));
const { referencePlatform } = await import(dist('platform/reference.js'));
const { defaultCombinations } = await import(dist('verify/combinations.js'));
const { IOMMU_IDS } = await import(dist('kernel/platform.js'));

let asked = 0;
let runs = 0;
const results = new Map(); // part devices + shape -> distinct result texts
const get = PartMemo.prototype.get;
PartMemo.prototype.get = function (shape, p, v, run) {
  asked++;
  return get.call(this, shape, p, v, (tp, tv) => {
    runs++;
    const r = run(tp, tv);
    const key = `${p.devices.map((d) => d.name).join(',')}|${shape}`;
    if (!results.has(key)) results.set(key, new Set());
    results.get(key).add(JSON.stringify({ premise: [...r.premise].sort(), violation: [...r.violation], states: r.states, transitions: r.transitions, depth: r.depth }));
    return r;
  });
};
await runMatrix(referencePlatform(), cellsOf(defaultCombinations(), IOMMU_IDS), { jobs: 1 });
const distinct = [...results.values()].reduce((n, s) => n + s.size, 0);
console.log(`default matrix: ${asked} part explorations asked, ${runs} run, ${asked - runs} shared; ${distinct} distinct results over ${results.size} part shapes`);
