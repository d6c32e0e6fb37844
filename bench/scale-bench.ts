// Scale benchmark (not part of the test suite; nothing asserted): the default matrix (25
// combinations × 4 IOMMUs × passthrough off/on = 200 cells) on generated platforms of 11, 50
// and 100 devices — the reference platform's 11 devices copied (each copy in its own PCI
// segment, bench/matrix-bench.ts replicate) and cut to the size, a copy's devices dropped
// when their parent or PF is cut. Prints wall and CPU time, states and transitions per size,
// for one thread and for the default thread count.
//   node --import tsx bench/scale-bench.ts [--sizes 11,50,100] [--jobs 1,2]
import { availableParallelism, loadavg } from 'node:os';
import type { Platform } from '../src/kernel/platform.js';
import { IOMMU_IDS } from '../src/kernel/platform.js';
import { referencePlatform } from '../src/platform/reference.js';
import { defaultCombinations } from '../src/verify/combinations.js';
import { cellsOf, defaultJobs, runMatrix } from '../src/verify/matrix.js';
import { replicate } from './matrix-bench.js';

const arg = (k: string, d: string): string => (process.argv.includes(k) ? process.argv[process.argv.indexOf(k) + 1] : d);
const sizes = arg('--sizes', '11,50,100').split(',').map(Number);

/** n devices: copies of the reference platform, cut to n, keeping parents and PFs. */
export function generated(n: number): Platform {
  const base = referencePlatform();
  const all = replicate(base, Math.ceil(n / base.devices.length));
  const kept = new Set<string>();
  const devices = [];
  for (const d of all.devices) {
    if (devices.length >= n) break;
    if (d.parent !== null && !kept.has(d.parent)) continue;
    if (d.physfn !== undefined && !kept.has(d.physfn)) continue;
    if (d.dmaAliasOf !== undefined && !kept.has(d.dmaAliasOf)) continue;
    kept.add(d.name);
    devices.push(d);
  }
  return { ...all, name: `generated-${n}`, devices };
}

const cells = cellsOf(defaultCombinations(), IOMMU_IDS);
console.log(`# scale bench — node ${process.version}, ${availableParallelism()} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('| devices | threads | wall s | CPU s | states | transitions | states/s (wall) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const n of sizes) {
  const p = generated(n);
  const jobsList = arg('--jobs', `1,${defaultJobs(cells.length, p.devices.length)}`).split(',').map(Number);
  for (const jobs of [...new Set(jobsList)]) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = await runMatrix(p, cells, { jobs });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const states = res.reduce((a, c) => a + c.stats.states, 0);
    const transitions = res.reduce((a, c) => a + c.stats.transitions, 0);
    // process.cpuUsage: the whole process, worker threads included
    console.log(`| ${p.devices.length} | ${jobs} | ${(ms / 1000).toFixed(2)} | ${((cpu.user + cpu.system) / 1e6).toFixed(2)} | ${states} | ${transitions} | ${Math.round(states / (ms / 1000))} |`);
  }
}
console.log(`(load after: ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
