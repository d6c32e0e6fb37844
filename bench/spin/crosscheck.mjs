// Checks that SPIN reaches exactly dmagate's states, not just as many (bench/spin/README.md).
// For k copies: the Promela built with -DDUMP prints the state vector after every transition;
// dmagate's reachable KStates (dist/kernel/model.js, unreduced BFS) are projected onto the same
// variables (gen.mjs's encoding); the two sets must be equal, and the projection injective
// (so no dmagate field that varies was left out of the Promela vector).
//   npm run build && node bench/spin/crosscheck.mjs [K=1] [legacy|cxl]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../dist/platform/scenario.js';
import { kernelModel as m } from '../../dist/kernel/model.js';
import { platIndex } from '../../dist/kernel/platform-index.js';
import { pvecGet } from '../../dist/kernel/pvec.js';

const here = dirname(fileURLToPath(import.meta.url));
const K = Number(process.argv[2] ?? '1');
const cluster = process.argv[3] ?? 'legacy';
const gen = (mode) => execFileSync(process.execPath, [join(here, 'gen.mjs'), mode, String(K), cluster], { encoding: 'utf8' });

// --- SPIN side
const dir = mkdtempSync(join(tmpdir(), 'spin-xc-'));
writeFileSync(join(dir, 'm.pml'), gen('pml'));
execFileSync('spin', ['-DDUMP', '-a', 'm.pml'], { cwd: dir, stdio: 'ignore' });
execFileSync('gcc', ['-O2', '-DNOREDUCE', '-DBFS', '-DMEMLIM=4000', '-o', 'pan', 'pan.c'], { cwd: dir, stdio: 'ignore' });
const out = execFileSync('./pan', ['-m1000000'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
rmSync(dir, { recursive: true, force: true });
const width = cluster === 'cxl' ? 20 : 12;
const spin = new Set([' ' + Array(K).fill('0'.repeat(width)).join(' ')]); // the initial state (all zero)
for (const line of out.split('\n')) if (line.startsWith('STATE')) spin.add(line.slice(5));

// --- dmagate side, projected onto the Promela variables (gen.mjs encoding)
const r = loadScenario(gen('yaml'), `x${K}.yaml`);
if ('errors' in r) throw new Error(JSON.stringify(r.errors));
const { platform: p, variant: v } = r.scenario;
const ix = platIndex(p);
const DOM = { null: 0, blocked: 1, identity: 2, dma: 3, unmanaged: 4, nested: 5 };
const MSI = { none: 0, failed: 6, phys: 7, stale: 8, dma: 3, unmanaged: 4, nested: 5 };
const code = (tbl, x) => {
  const c = tbl[String(x)];
  if (c === undefined) throw new Error(`value ${x} outside the Promela encoding`);
  return c;
};
const b = (x) => (x ? 1 : 0);
const veats = (d) => (d.mmu.vEats === null ? 0 : d.mmu.vEats ? 2 : 1);
const projectLegacy = (s, i) => {
  const rp = ix.byName.get(`rp-legacy-${i}`);
  const f = ix.byName.get(`fpga-${i}`);
  const dr = pvecGet(s.devs, rp.i);
  const df = pvecGet(s.devs, f.i);
  const g = pvecGet(s.groups, rp.group);
  if (f.group !== rp.group) throw new Error('fpga not in rp-legacy group');
  return [b(dr.present), b(dr.drv === 'own'), code(MSI, dr.msi), b(df.present), b(df.drv === 'vfio'), b(df.vfioOpen), b(df.vfioAttached), veats(df),
    code(DOM, g.domain), code(DOM, g.defaultDomain), g.ownerCnt, b(g.owner === 'vfio')].join('');
};
const DRV = { none: 0, own: 1, vfio: 2 };
const projectCxl = (s, i) => {
  const rp = ix.byName.get(`rp-cxl-${i}`);
  const a = ix.byName.get(`cxl-accel-${i}`);
  const dr = pvecGet(s.devs, rp.i);
  const da = pvecGet(s.devs, a.i);
  const g0 = pvecGet(s.groups, rp.group);
  const g1 = pvecGet(s.groups, a.group);
  if (a.group === rp.group) throw new Error('rp-cxl and cxl-accel share a group');
  return [b(dr.present), b(dr.drv === 'own'), code(MSI, dr.msi), code(DOM, g0.domain), code(DOM, g0.defaultDomain),
    b(da.present), DRV[da.drv], b(da.vfioOpen), b(da.vfioAttached), b(da.dmaUser), b(da.pasid), code(MSI, da.msi),
    b(da.pci.atsEnabled), b(da.mmu.atsEnabled), b(da.mmu.cdTable), veats(da),
    code(DOM, g1.domain), code(DOM, g1.defaultDomain), g1.ownerCnt, b(g1.owner === 'vfio')].join('');
};
const project = (s) => {
  let t = '';
  for (let i = 0; i < K; i++) t += ' ' + (cluster === 'cxl' ? projectCxl(s, i) : projectLegacy(s, i));
  return t;
};
const seen = new Map();
const q = [m.init(p, v)];
seen.set(m.key(q[0]), q[0]);
for (let h = 0; h < q.length; h++) {
  for (const e of m.enabled(p, v, q[h])) {
    const t = m.step(p, v, q[h], e).state;
    const k = m.key(t);
    if (!seen.has(k)) { seen.set(k, t); q.push(t); }
  }
}
const dmag = new Set([...seen.values()].map(project));
const onlyD = [...dmag].filter((x) => !spin.has(x));
const onlyS = [...spin].filter((x) => !dmag.has(x));
console.log(`${cluster} k=${K}: dmagate ${seen.size} states (${dmag.size} distinct projections), SPIN ${spin.size} states; only dmagate ${onlyD.length}, only SPIN ${onlyS.length}`);
for (const x of onlyD.slice(0, 5)) console.log('  only dmagate:', x);
for (const x of onlyS.slice(0, 5)) console.log('  only SPIN:   ', x);
const ok = dmag.size === seen.size && onlyD.length === 0 && onlyS.length === 0;
console.log(ok ? 'SAME STATE SET' : 'DIFFERENT');
process.exit(ok ? 0 : 1);
