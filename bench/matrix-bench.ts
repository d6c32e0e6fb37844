// Matrix benchmark (not part of the test suite; nothing here is asserted).
//   node --import tsx bench/matrix-bench.ts [--jobs N] [--scale N,N,...] [--repeat N]
// 1. The default matrix (reference platform × 25 combinations × 4 IOMMUs × passthrough off/on
//    = 200 cells): wall time, states, transitions, states/s — in-process and with workers.
// 2. The reference platform replicated K times (K × 5 independent clusters, K × 11 devices,
//    many IOMMU groups) for one cell per IOMMU: how exploration scales with groups.
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { kernelModel } from '../src/kernel/model.js';
import { parseVariant } from '../src/kernel/variants.js';
import { referencePlatform } from '../src/platform/reference.js';
import { withIommu, withPassthrough } from '../src/platform/transform.js';
import type { DeviceDesc, Platform } from '../src/kernel/platform.js';
import { IOMMU_IDS } from '../src/kernel/platform.js';
import { checkCell } from '../src/verify/check.js';
import { defaultCombinations } from '../src/verify/combinations.js';
import { cellsOf, runMatrix } from '../src/verify/matrix.js';
import { clusters } from '../src/verify/reduce.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const jobs = Number(arg('--jobs', String(availableParallelism())));
const scales = arg('--scale', '1,4,16,64').split(',').map(Number);
const repeat = Number(arg('--repeat', '2'));

/** K copies of p: device names suffixed, each copy in its own PCI segment. */
export function replicate(p: Platform, k: number): Platform {
  const devices: DeviceDesc[] = [];
  for (let i = 0; i < k; i++) {
    const rn = (n: string | null | undefined) => (n === null || n === undefined ? n : `${n}.${i}`);
    const seg = i.toString(16).padStart(4, '0');
    for (const d of p.devices) {
      const bdf = d.bdf.length > 7 ? `${seg}${d.bdf.slice(4)}` : `${seg}:${d.bdf}`;
      devices.push({
        ...d,
        name: `${d.name}.${i}`,
        bdf,
        parent: rn(d.parent) ?? null,
        ...(d.physfn !== undefined ? { physfn: rn(d.physfn) as string } : {}),
        ...(d.dmaAliasOf !== undefined ? { dmaAliasOf: rn(d.dmaAliasOf) as string } : {}),
        config: { ...d.config, bdf: { ...d.config.bdf, domain: i } },
      });
    }
  }
  return { ...p, name: `${p.name}×${k}`, devices };
}

async function main(): Promise<void> {
  const base = referencePlatform();
  const cells = cellsOf(defaultCombinations(), IOMMU_IDS);
  console.log(`# dmagate matrix bench — node ${process.version}, ${availableParallelism()} cores, load ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const j of [1, jobs]) {
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      const res = await runMatrix(base, cells, { jobs: j });
      const ms = performance.now() - t0;
      const states = res.reduce((a, c) => a + c.stats.states, 0);
      const transitions = res.reduce((a, c) => a + c.stats.transitions, 0);
      console.log(`default matrix: ${cells.length} cells, jobs=${j}: ${ms.toFixed(0)} ms wall, ${states} states, ${transitions} transitions, ${Math.round(states / (ms / 1000))} states/s`);
    }
  }
  const v = parseVariant('boot-dma-security,park=blocked,dma-mode-enum,rmr=keep-direct');
  for (const k of scales) {
    const p0 = replicate(base, k);
    for (const iommu of IOMMU_IDS) {
      const p = withPassthrough(withIommu(p0, iommu), true);
      const t0 = performance.now();
      const r = checkCell(kernelModel, p, v);
      const ms = performance.now() - t0;
      console.log(`scaled ×${k} (${p.devices.length} devices, ${clusters(p).length} clusters) ${iommu}: ${ms.toFixed(0)} ms, ${r.stats.states} states, ${Math.round(r.stats.states / (ms / 1000))} states/s`);
    }
  }
  // Without the reduction the state space is the product of the clusters' spaces.
  const two = { ...base, devices: base.devices.filter((d) => ['rp-cxl', 'cxl-accel', 'rp-legacy', 'fpga'].includes(d.name)) };
  for (const reduce of [true, false]) {
    const t0 = performance.now();
    const r = checkCell(kernelModel, withIommu(two, 'arm-smmu-v3'), v, { reduce });
    console.log(`rp-cxl+cxl-accel+rp-legacy+fpga, reduce=${reduce}: ${(performance.now() - t0).toFixed(0)} ms, ${r.stats.states} states`);
  }
}

// run when executed, not when imported (bench/scale-bench.ts imports replicate)
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
