// Kernel-model benchmark (not part of the test suite):
//   node --import tsx bench/model-bench.ts            # N = 50,000 and 100,000, one child process each
//   node --import tsx bench/model-bench.ts --n 20000  # one size
//   ... --configs dump|fixture|fixture-each           # where the config spaces come from (below)
// A platform of N functions — root ports, each with one SR-IOV PF and 255 VFs — is probed and
// bound event by event through kernelModel.step (root port, PF, PF bind, VFs, VF binds).
// Prints the time to build the per-Platform indices, wall time of the step loop, steps/s and
// peak RSS.
// Config spaces: `dump` (default) decodes ONE real SR-IOV PF (Intel 82576, 8086:10c9, from
// /work/shared/data/pci-dumps/pciutils-cap-pcie-2.txt) and shares that PciFunction between every
// PF and VF — the PF has no ATS capability, so no ATS gets enabled; root ports share one
// fixture with ACS. `fixture` shares three test fixtures (root port, PF and VF with ATS: the
// ATS paths run). `fixture-each` builds one fixture per device (the original workload: the
// bench's own objects add GC pressure to the timed parts).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kernelModel } from '../src/kernel/model.js';
import { platIndex } from '../src/kernel/platform-index.js';
import { MAINLINE } from '../src/kernel/variants.js';
import { decodeFunction } from '../src/pci/decode.js';
import { parseDump } from '../src/pci/dump.js';
import type { PciFunction } from '../src/pci/types.js';
import type { DeviceDesc, Platform } from '../src/kernel/platform.js';
import { DEFAULT_FEATURES } from '../src/kernel/platform.js';
import { ACS_ISOLATED, pciFn } from '../test/support/pcifn.js';
import type { KEvent } from '../src/kernel/types.js';
import { simulate } from '../src/platform/simulate.js';

const VFS_PER_PF = 255;
const DUMP = '/work/shared/data/pci-dumps/pciutils-cap-pcie-2.txt';

type Configs = 'dump' | 'fixture' | 'fixture-each';
interface Source {
  readonly label: string;
  readonly rp: (bdf: string) => PciFunction;
  readonly pf: (bdf: string, numVfs: number) => PciFunction;
  readonly vf: (bdf: string) => PciFunction;
}

function source(want: Configs): Source {
  const rpFix = (bdf: string): PciFunction => pciFn({ bdf, type: 'root-port', acs: ACS_ISOLATED });
  const pfFix = (bdf: string, numVfs: number): PciFunction => pciFn({ bdf, ats: { pageAligned: true }, acs: ACS_ISOLATED, sriov: { totalVfs: VFS_PER_PF, numVfs } });
  const vfFix = (bdf: string): PciFunction => pciFn({ bdf, ats: { pageAligned: true } });
  if (want === 'fixture-each') return { label: 'fixture-each', rp: rpFix, pf: pfFix, vf: vfFix };
  const rp = rpFix('0000:00:00.0');
  if (want === 'dump') {
    if (existsSync(DUMP)) {
      const parsed = parseDump(readFileSync(DUMP), DUMP);
      for (const f of parsed.functions) {
        const fn = decodeFunction(f.bdf, f.config);
        if (fn.sriov !== undefined) {
          const label = `dump ${DUMP.replace(/.*\//, '')} ${f.description.slice(0, 40)}`;
          return { label, rp: () => rp, pf: () => fn, vf: () => fn };
        }
      }
      console.error(`model-bench: no SR-IOV PF decoded from ${DUMP}; using the shared fixtures`);
    } else console.error(`model-bench: ${DUMP} is absent; using the shared fixtures`);
  }
  const pf = pfFix('0000:01:00.0', VFS_PER_PF);
  const vf = vfFix('0000:01:00.1');
  return { label: 'fixture (shared)', rp: () => rp, pf: () => pf, vf: () => vf };
}

function buildPlatform(n: number, src: Source): { p: Platform; events: KEvent[] } {
  const devices: DeviceDesc[] = [];
  const events: KEvent[] = [];
  for (let d = 0; devices.length < n; d++) {
    const dom = d.toString(16).padStart(4, '0');
    const rpName = `rp${d}`;
    devices.push({ name: rpName, bdf: `${dom}:00:00.0`, parent: null, config: src.rp(`${dom}:00:00.0`), externalFacing: false, reservedRegions: [], driver: { name: 'pcieport', dmaMode: 'no-dma', usesMsi: true } });
    events.push({ kind: 'probe', dev: rpName }, { kind: 'bind', dev: rpName });
    const pf = `pf${d}`;
    const vfCount = Math.min(VFS_PER_PF, n - devices.length - 1);
    devices.push({ name: pf, bdf: `${dom}:01:00.0`, parent: rpName, config: src.pf(`${dom}:01:00.0`, Math.max(vfCount, 0)), externalFacing: false, reservedRegions: [], driver: { name: 'mlx-like', dmaMode: 'normal', usesMsi: true } });
    events.push({ kind: 'probe', dev: pf }, { kind: 'bind', dev: pf });
    for (let v = 1; v <= vfCount; v++) {
      const bdf = `${dom}:01:${(v >> 3).toString(16).padStart(2, '0')}.${v & 7}`;
      const name = `vf${d}.${v}`;
      devices.push({ name, bdf, parent: rpName, physfn: pf, config: src.vf(bdf), externalFacing: false, reservedRegions: [], driver: { name: 'mlx-vf', dmaMode: 'normal', usesMsi: true } });
      events.push({ kind: 'probe', dev: name }, { kind: 'bind', dev: name });
    }
  }
  const p: Platform = { name: `bench-${n}`, iommu: 'arm-smmu-v3', features: DEFAULT_FEATURES, cmdline: { raw: '', noats: false }, ccGuest: false, devices };
  return { p, events };
}

function runOne(n: number, configs: Configs): void {
  const src = source(configs);
  const { p, events } = buildPlatform(n, src);
  const v = MAINLINE;
  const ti = performance.now();
  platIndex(p); // per-Platform indices (trust R2, groups R3, ours), memoised in WeakMaps
  const indexMs = performance.now() - ti;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let s = kernelModel.init(p, v);
  let failed = 0;
  for (const e of events) {
    const r = kernelModel.step(p, v, s, e);
    if (!r.ret.ok) failed++;
    s = r.state;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const t1 = performance.now();
  const o = kernelModel.observe(p, v, s);
  const obsMs = performance.now() - t1;
  const ats = Object.values(o.devices).filter((d) => d.atsEnabled).length;
  // `dmagate run`'s fold (platform/simulate.ts: every step kept with its trace, one final
  // observation), without the scenario file and the printing
  const c1 = process.cpuUsage();
  const t2 = performance.now();
  const sim = simulate(kernelModel, { platform: p, variant: v, events });
  const simMs = performance.now() - t2;
  const simCpu = process.cpuUsage(c1);
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ configs: src.label, n: p.devices.length, steps: events.length, failed, indexMs: Math.round(indexMs), stepLoopMs: Math.round(ms), stepLoopCpuMs: Math.round((cpu.user + cpu.system) / 1000), stepsPerSec: Math.round(events.length / (ms / 1000)), observeAllMs: Math.round(obsMs), simulateMs: Math.round(simMs), simulateCpuMs: Math.round((simCpu.user + simCpu.system) / 1000), simulateOk: sim.ok, atsOn: ats, peakRssMb: Math.round(rssMb) }));
}

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const configs = (arg('--configs') ?? 'dump') as Configs;
if (!['dump', 'fixture', 'fixture-each'].includes(configs)) throw new Error(`--configs ${configs}: dump, fixture or fixture-each`);
const one = arg('--n');
if (one !== undefined) runOne(Number(one), configs);
else {
  // V8's young generation is the bottleneck at this size (scavenges of the surviving device
  // states); a larger semi-space is a harness setting, shown next to the default.
  for (const [n, flags] of [[50_000, []], [100_000, []], [50_000, ['--max-semi-space-size=32']], [100_000, ['--max-semi-space-size=32']]] as const) {
    console.log(`N=${n} ${flags.join(' ') || '(default V8 flags)'}`);
    const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', fileURLToPath(import.meta.url), '--n', String(n), '--configs', configs], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
