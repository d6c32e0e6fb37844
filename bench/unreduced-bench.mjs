#!/usr/bin/env node
// The explicit-state explorer's rate without reduction (issue 13: ≥ 100,000 states per CPU
// second per core), and the default matrix, as whole processes of the installed bin: wall and
// CPU (user + sys, from /usr/bin/time) per run, medians over --runs interleaved rounds, for
// this checkout and each --base checkout (e.g. the branch point, built in /tmp). Nothing is
// asserted; the outputs of the builds are compared (apart from `"ms"` wall times) and the
// table says whether they are identical.
//   npm run build && node bench/unreduced-bench.mjs [--runs 5] [--n 30000,100000] [--base DIR]...
// "explore CPU" is a run's CPU minus that of `verify --no-reduce --max-states 1` (start-up:
// module load, scenario parse, one state); states / CPU s are over that and over the whole run.
// Then, in one process per build: checkCell of the reference platform unreduced at the largest
// --n, four times (process.cpuUsage around each: the first cold, the last warm).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const runs = Number(opt('--runs', '5'));
const sizes = opt('--n', '30000,100000').split(',').map(Number);
const builds = [['this', root]];
args.forEach((a, i) => {
  if (a === '--base') builds.push([`base${builds.length > 1 ? builds.length - 1 : ''}`, args[i + 1]]);
});
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

function timed(dir, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, join(dir, 'bin', 'dmagate.js'), ...argv], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 120_000 });
  if (r.error !== undefined || r.signal !== null) throw new Error(`${argv.join(' ')}: ${r.error?.message ?? r.signal}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys, out: r.stdout.replace(/"ms": [0-9.]+/g, '"ms": 0') };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const jobs = [
  ['start-up: verify --no-reduce --max-states 1', ['verify', '--no-reduce', '--max-states', '1', '--json', '--fail-on', 'never'], 1],
  ...sizes.map((n) => [`verify --no-reduce --max-states ${n}`, ['verify', '--no-reduce', '--max-states', String(n), '--json', '--fail-on', 'never'], n]),
  ['matrix (default, reduced)', ['matrix', '--json', '--fail-on', 'never'], null],
];

console.log(`# unreduced explorer bench — node ${process.version}, ${runs} interleaved rounds, load before ${load()}`);
const res = new Map(); // `${job}|${build}` -> {walls, cpus, out, states}
for (let r = 0; r < runs; r++) {
  for (const [name, argv] of jobs) {
    for (const [label, dir] of builds) {
      const t = timed(dir, argv);
      const k = `${name}|${label}`;
      const e = res.get(k) ?? { walls: [], cpus: [], out: t.out };
      e.walls.push(t.wall);
      e.cpus.push(t.cpu);
      res.set(k, e);
    }
  }
}
console.log('\n| run | build | states | wall s (median) | CPU s (median, min) | explore CPU s | states / explore CPU s | states / CPU s (whole) | output vs this |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---|');
for (const [name, , n] of jobs) {
  for (const [label] of builds) {
    const e = res.get(`${name}|${label}`);
    const start = median(res.get(`${jobs[0][0]}|${label}`).cpus);
    const cpu = median(e.cpus);
    const same = e.out === res.get(`${name}|this`).out ? 'identical' : '**differs**';
    const explore = n !== null && n > 1 ? cpu - start : null;
    const states = n === null ? JSON.parse(e.out).cells.reduce((a, c) => a + c.stats.states, 0) : JSON.parse(e.out).stats.states;
    console.log(
      `| ${name} | ${label} | ${states} | ${median(e.walls).toFixed(2)} | ${cpu.toFixed(2)} (${Math.min(...e.cpus).toFixed(2)}) | ${explore?.toFixed(2) ?? '-'} | ${explore === null ? '-' : Math.round(states / explore)} | ${Math.round(states / cpu)} | ${label === 'this' ? '-' : same} |`,
    );
  }
}
const inproc = `
const D = process.env.D;
const { kernelModel } = await import(D + '/kernel/model.js');
const { referencePlatform } = await import(D + '/platform/reference.js');
const { parseVariant } = await import(D + '/kernel/variants.js');
const { checkCell } = await import(D + '/verify/check.js');
const p = referencePlatform();
const v = parseVariant('mainline');
const out = [];
for (let r = 0; r < 4; r++) {
  const t0 = process.cpuUsage();
  const c = checkCell(kernelModel, p, v, { reduce: false, maxStates: Number(process.env.N) });
  const t = process.cpuUsage(t0);
  out.push({ states: c.stats.states, ms: c.stats.ms, cpu: (t.user + t.system) / 1000 });
}
console.log(JSON.stringify(out));`;
const n = Math.max(...sizes);
console.log(`\n| in-process checkCell, reference platform unreduced, ${n} states | CPU ms: cold, 2nd, 3rd, warm | states / CPU s: cold / warm |`);
console.log('|---|---:|---:|');
for (const [label, dir] of builds) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', inproc], { encoding: 'utf8', env: { ...process.env, D: join(dir, 'dist'), N: String(n) }, timeout: 300_000 });
  if (r.status !== 0) {
    console.log(`| ${label} | failed: ${r.stderr.slice(0, 120)} | |`);
    continue;
  }
  const runsIn = JSON.parse(r.stdout);
  const st = runsIn[0].states;
  console.log(`| ${label} | ${runsIn.map((x) => Math.round(x.cpu)).join(', ')} | ${Math.round(st / (runsIn[0].cpu / 1000))} / ${Math.round(st / (runsIn[3].cpu / 1000))} |`);
}
console.log(`\n(load after: ${load()})`);
