#!/usr/bin/env node
// Throughput of `dmagate lspci -F big -vvv` against pciutils `lspci -F big -vvv` on one dump of
// >= 10,000 functions assembled from the real dumps in ../shared/data/pci-dumps (written to a
// temp dir, never into the repo). Both write to /dev/null; runs alternate; several repetitions.
// Not part of the test suite. Run after `npm run build`:
//   node bench/lspci-bench.mjs [--devices N] [--reps R]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dumps = join(root, '..', 'shared', 'data', 'pci-dumps');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('--devices', 10000);
const REPS = arg('--reps', 5);

if (!existsSync(dumps)) {
  console.error(`lspci-bench: ${dumps} not found`);
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  console.error('lspci-bench: run `npm run build` first');
  process.exit(2);
}

// Collect every function (its data lines) from the real dumps.
const devices = [];
for (const f of readdirSync(dumps).sort()) {
  if (!f.endsWith('.txt') || f.includes('.lspci-')) continue;
  let cur = null;
  for (const line of readFileSync(join(dumps, f), 'latin1').split('\n')) {
    if (/^([0-9a-f]{4,6}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] /.test(line)) {
      cur = [];
      devices.push(cur);
    } else if (line === '') cur = null;
    else if (cur && /^[0-9a-f]{2,3}: /.test(line)) cur.push(line);
  }
}
// Re-address them uniquely (bus/dev/fn), cycling through the real functions.
const parts = [];
for (let i = 0; i < N; i++) {
  const d = devices[i % devices.length];
  const bus = (i >> 8) & 0xff;
  const dev = (i >> 3) & 0x1f;
  const fn = i & 7;
  const h = (v) => v.toString(16).padStart(2, '0');
  parts.push(`${h(bus)}:${h(dev)}.${fn} bench device ${i}\n${d.join('\n')}\n\n`);
}
if (N > 65536) {
  console.error('lspci-bench: at most 65536 devices (one domain)');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'dmagate-bench-'));
const big = join(dir, 'big.txt');
writeFileSync(big, parts.join(''));
const bytes = readFileSync(big).length;
const full = devices.filter((d) => d.length > 16).length;
console.log(`dump: ${N} functions from ${devices.length} real ones (${full} with 4096 bytes), ${(bytes / 1e6).toFixed(1)} MB at ${big}`);

const devnull = openSync('/dev/null', 'w');
// CPU time (user+sys) of the child too, via GNU time when present: on a shared machine it
// varies less than wall-clock time.
const gnuTime = existsSync('/usr/bin/time');
const cpuTimes = {};
function time(name, cmd, args) {
  const t0 = process.hrtime.bigint();
  const [c, a] = gnuTime ? ['/usr/bin/time', ['-f', 'CPU %U %S', cmd, ...args]] : [cmd, args];
  const r = spawnSync(c, a, { stdio: ['ignore', devnull, 'pipe'], env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 1 << 26, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error ?? r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (m) (cpuTimes[name] ??= []).push((Number(m[1]) + Number(m[2])) * 1000);
  return ms;
}
const cases = [
  ['dmagate -vvv', process.execPath, [join(root, 'bin', 'dmagate.js'), 'lspci', '-F', big, '-vvv']],
  ['lspci -vvv', 'lspci', ['-F', big, '-vvv']],
  ['lspci -vvvn', 'lspci', ['-F', big, '-vvvn']],
];
const results = Object.fromEntries(cases.map(([n]) => [n, []]));
for (let r = 0; r < REPS; r++) for (const [n, cmd, args] of cases) results[n].push(time(n, cmd, args));
closeSync(devnull);
rmSync(dir, { recursive: true, force: true });

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`repetitions: ${REPS} (alternating), wall-clock per run incl. process start`);
for (const [n] of cases) {
  const a = results[n];
  console.log(`${n.padEnd(14)} median ${median(a).toFixed(0).padStart(6)} ms  min ${Math.min(...a).toFixed(0).padStart(6)} ms  ${(N / (median(a) / 1000)).toFixed(0).padStart(8)} functions/s   runs: ${a.map((x) => x.toFixed(0)).join(' ')}`);
}
for (const [n] of cases) {
  const a = cpuTimes[n];
  if (a) console.log(`${n.padEnd(14)} CPU (user+sys) median ${median(a).toFixed(0).padStart(6)} ms  min ${Math.min(...a).toFixed(0).padStart(6)} ms`);
}
if (cpuTimes['dmagate -vvv']) {
  const c = median(cpuTimes['dmagate -vvv']);
  console.log(`CPU-time ratio lspci -vvv / dmagate:  ${(median(cpuTimes['lspci -vvv']) / c).toFixed(2)}x`);
  console.log(`CPU-time ratio lspci -vvvn / dmagate: ${(median(cpuTimes['lspci -vvvn']) / c).toFixed(2)}x`);
}
const ours = median(results['dmagate -vvv']);
console.log(`throughput ratio dmagate/lspci -vvv:  ${(median(results['lspci -vvv']) / ours).toFixed(2)}x`);
console.log(`throughput ratio dmagate/lspci -vvvn: ${(median(results['lspci -vvvn']) / ours).toFixed(2)}x`);
// best runs: least disturbed by other processes on a shared machine
const best = Math.min(...results['dmagate -vvv']);
console.log(`best-run ratio dmagate/lspci -vvv:    ${(Math.min(...results['lspci -vvv']) / best).toFixed(2)}x`);
console.log(`best-run ratio dmagate/lspci -vvvn:   ${(Math.min(...results['lspci -vvvn']) / best).toFixed(2)}x`);
