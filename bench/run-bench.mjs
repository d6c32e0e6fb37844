#!/usr/bin/env node
// `dmagate run` over generated scenarios of N PCI functions (not part of the test suite;
// nothing asserted): root ports, each with one SR-IOV PF and up to 255 VFs, every function
// probed and bound (2N events). Whole-process wall and CPU time of the installed bin, and
// peak RSS, for `run --json` and the text output; a time limit per run (--timeout s).
//   npm run build && node bench/run-bench.mjs [--n 1000,10000,100000] [--timeout 120] [--base DIR] [--phases]
// --base DIR: also time another checkout's bin/dmagate.js (e.g. the pre-optimisation build).
// --phases: also the CPU of run's phases, in a child process on dist/ modules: load (read, parse,
// schema, platform), fold (simulate with the world guard, nothing kept), text and --json
// formatting of a kept result (run itself formats while folding; this is the same work apart).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const sizes = opt('--n', '1000,10000,100000').split(',').map(Number);
const timeout = Number(opt('--timeout', '120')) * 1000;
const bases = [['this', root], ...(opt('--base', null) ? [['base', opt('--base')]] : [])];
const hex = (n, w) => n.toString(16).padStart(w, '0');
const phases = args.includes('--phases');
const phaseRows = [];

/** A scenario (JSON is YAML) with n functions, and its 2n events. */
export function scenario(n) {
  const devices = [];
  const events = [];
  const add = (d) => {
    devices.push(d);
    events.push(`probe(${d.name})`, `bind(${d.name})`);
  };
  for (let dom = 0; devices.length < n; dom++) {
    const D = hex(dom, 4);
    const rp = `rp${dom}`;
    add({ name: rp, bdf: `${D}:00:00.0`, config: { type: 'root-port', caps: { acs: true, msi: true } }, driver: { name: 'pcieport', dmaMode: 'no-dma', usesMsi: true } });
    if (devices.length >= n) break;
    const vfs = Math.min(255, n - devices.length - 1);
    const pf = `pf${dom}`;
    add({ name: pf, bdf: `${D}:01:00.0`, parent: rp, config: { type: 'endpoint', caps: { ats: { pageAligned: true }, acs: { cap: 0x0c, ctrl: 0x0c }, msix: true, sriov: { totalVfs: 255, numVfs: vfs, firstVfOffset: 1, vfStride: 1 } } }, driver: { name: 'mlx-like', dmaMode: 'normal', usesMsi: true } });
    for (let v = 1; v <= vfs; v++) {
      add({ name: `vf${dom}.${v}`, bdf: `${D}:01:${hex(v >> 3, 2)}.${v & 7}`, parent: rp, physfn: pf, config: { type: 'endpoint', caps: { ats: { pageAligned: true }, msix: true } }, driver: { name: 'mlx-vf', dmaMode: 'normal', usesMsi: true } });
    }
  }
  return { platform: { name: `run-bench-${n}`, iommu: 'arm-smmu-v3', devices }, variant: 'mainline', events };
}

function timed(bin, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, bin, ...argv], { encoding: 'utf8', maxBuffer: 1 << 30, timeout });
  if (r.error?.code === 'ETIMEDOUT' || r.signal) return { note: `timeout ${timeout / 1000} s` };
  const last = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  if (r.status !== 0 && r.status !== 1) return { note: `exit ${r.status}: ${r.stderr.slice(0, 200)}` };
  return { wall: last[0], cpu: last[1] + last[2], rssMb: Math.round(last[3] / 1024), outMb: (r.stdout.length / 1e6).toFixed(1) };
}

/** --phase-child FILE ROOT: the phase split of one run, as a JSON line. */
async function phaseChild(file, base) {
  const imp = (m) => import(pathToFileURL(join(base, 'dist', m)).href);
  const { loadScenarioFile } = await imp('platform/scenario.js');
  const run = await imp('cli/run.js');
  const { simulate } = await imp('platform/simulate.js');
  const { kernelModel } = await imp('kernel/model.js');
  const { eventGuard } = await imp('kernel/enabled.js');
  const { ByteSink } = await imp('util/byte-sink.js');
  const cpu = (f) => {
    const c0 = process.cpuUsage();
    const x = f();
    const c = process.cpuUsage(c0);
    return [x, Math.round((c.user + c.system) / 1000)];
  };
  const [loaded, load] = cpu(() => loadScenarioFile(file));
  const prep = run.prepare(loaded.scenario, {}).prepared;
  const sc = prep.scenario;
  const [, fold] = cpu(() => simulate(kernelModel, sc, { keepSteps: false, before: (st, e) => eventGuard(sc.platform, sc.variant, st, e) }));
  const result = simulate(kernelModel, sc);
  const [, text] = cpu(() => run.formatRun(prep, result).length);
  const [, json] = cpu(() => {
    const sink = new ByteSink();
    const w = new run.JsonRunWriter(sink);
    w.head(prep);
    for (const st of result.steps) w.step(st);
    w.tail(prep, result);
    return sink.chunks().length;
  });
  console.log(JSON.stringify({ load, fold, text, json }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (args[0] === '--phase-child') await phaseChild(args[1], args[2]);
  else main();
}

function main() {
  const dir = mkdtempSync(join(tmpdir(), 'run-bench-'));
  console.log(`# dmagate run bench — node ${process.version}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| build | functions | events | output | wall s | cpu s | peak RSS MB | output MB |');
  console.log('|---|---:|---:|---|---:|---:|---:|---:|');
  try {
    for (const n of sizes) {
      const sc = scenario(n);
      const file = join(dir, `s${n}.yaml`);
      writeFileSync(file, JSON.stringify(sc));
      for (const [label, b] of bases) {
        for (const [what, extra] of [['--json', ['--json']], ['text', []]]) {
          const t = timed(join(b, 'bin', 'dmagate.js'), ['run', file, ...extra]);
          console.log(`| ${label} | ${n} | ${sc.events.length} | ${what} | ${t.wall ?? t.note} | ${t.cpu?.toFixed(2) ?? '-'} | ${t.rssMb ?? '-'} | ${t.outMb ?? '-'} |`);
        }
        if (phases) {
          const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--phase-child', file, b], { encoding: 'utf8', timeout, maxBuffer: 1 << 20 });
          const ph = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()) : null;
          phaseRows.push(`| ${label} | ${n} | ${ph ? `${ph.load} | ${ph.fold} | ${ph.text} | ${ph.json}` : `${r.signal ? 'timeout' : `exit ${r.status}: ${r.stderr.slice(0, 120)}`} | | |`} |`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (phases) {
    console.log('\nPhases (CPU ms, in-process on dist/): load = read + parse + schema + platform; fold = simulate + world guard; text / json = formatting a kept result');
    console.log('| build | functions | load | fold | text | json |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const row of phaseRows) console.log(row);
  }
  console.log(`(load after: ${loadavg().map((x) => x.toFixed(2)).join(' ')})`);
}
