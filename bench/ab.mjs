#!/usr/bin/env node
// A/B timing of two checkouts' installed bin on the same command, runs interleaved (so both
// see the same machine load): min and median wall and CPU (user+sys, children included) per
// side, and the ratio of the medians. Not part of the test suite; nothing asserted.
//   node bench/ab.mjs --a /tmp/perf-main [--b .] [--runs 9] -- matrix --json --fail-on never
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve, join } from 'node:path';

const args = process.argv.slice(2);
const dash = args.indexOf('--');
const own = dash >= 0 ? args.slice(0, dash) : args;
const cmd = dash >= 0 ? args.slice(dash + 1) : ['matrix', '--json', '--fail-on', 'never'];
const opt = (k, d) => (own.includes(k) ? own[own.indexOf(k) + 1] : d);
const a = opt('--a', null);
if (a === null) {
  console.error('usage: node bench/ab.mjs --a DIR [--b DIR] [--runs N] -- COMMAND…   (DIR: a built checkout)');
  process.exit(2);
}
const sides = [
  ['a', resolve(a)],
  ['b', resolve(opt('--b', '.'))],
];
const runs = Number(opt('--runs', '9'));

/** CPU of a child: spawnSync does not report it, so run it under bash's `times`. */
function onceCpu(dir) {
  const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  const script = `${q(process.execPath)} ${[join(dir, 'bin', 'dmagate.js'), ...cmd].map(q).join(' ')} >/dev/null 2>&1; times`;
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  // `times` prints the shell's then the children's user/sys: "0m1.234s 0m0.056s"
  const lines = r.stdout.trim().split('\n');
  const [u, s] = lines[lines.length - 1].split(/\s+/).map((x) => {
    const m = /(\d+)m([\d.]+)s/.exec(x);
    return m ? Number(m[1]) * 60000 + Number(m[2]) * 1000 : NaN;
  });
  return { wall, cpu: u + s };
}
const res = Object.fromEntries(sides.map(([k]) => [k, []]));
for (let i = 0; i < runs; i++) for (const [k, dir] of sides) res[k].push(onceCpu(dir));
const stat = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  return { min: s[0], med: s[Math.floor(s.length / 2)] };
};
console.log(`dmagate ${cmd.join(' ')} — ${runs} interleaved runs per side, load ${loadavg()[0].toFixed(2)}`);
console.log('| side | checkout | wall min | wall median | CPU min | CPU median |');
console.log('|---|---|---:|---:|---:|---:|');
const med = {};
for (const [k, dir] of sides) {
  const w = stat(res[k].map((x) => x.wall));
  const c = stat(res[k].map((x) => x.cpu));
  med[k] = { w: w.med, c: c.med };
  console.log(`| ${k} | ${dir} | ${w.min.toFixed(0)} ms | ${w.med.toFixed(0)} ms | ${c.min.toFixed(0)} ms | ${c.med.toFixed(0)} ms |`);
}
console.log(`b/a: wall ${(med.b.w / med.a.w).toFixed(2)}, CPU ${(med.b.c / med.a.c).toFixed(2)}`);
