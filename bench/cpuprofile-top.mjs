#!/usr/bin/env node
// Self time by function from a V8 .cpuprofile (node --cpu-prof), as a Markdown table.
//   node --cpu-prof --cpu-prof-dir=/tmp/p bin/dmagate.js matrix >/dev/null
//   node bench/cpuprofile-top.mjs /tmp/p/*.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const ti = args.indexOf('--top');
const top = ti >= 0 ? Number(args[ti + 1]) : 25;
const files = args.filter((a, i) => a.endsWith('.cpuprofile') && i !== ti + 1);
for (const f of files) {
  const prof = JSON.parse(readFileSync(f, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const n = byId.get(prof.samples[i]);
    const us = dt[i] ?? 0;
    total += us;
    const cf = n.callFrame;
    const file = cf.url.replace(/^.*\/(dist|src|node_modules)\//, '$1/').replace(/^node:/, 'node:');
    const key = `${cf.functionName || '(anonymous)'} ${file ? `${file}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + us);
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(`\n${f}: ${(total / 1000).toFixed(0)} ms sampled\n`);
  console.log('| self ms | % | function |');
  console.log('|---:|---:|---|');
  for (const [k, us] of rows) console.log(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} | \`${k}\` |`);
}
