#!/usr/bin/env node
// `npm run test:kernel`: boots Debian's Linux under QEMU (TCG) for every scenario in
// data/kernel/scenarios/ and compares what the kernel did with the model (dmagate qemu).
// Opt-in, never part of `npm test` or CI: each boot takes 15-60 s. One boot at a time, niced.
// Usage: node scripts/kernel-check.mjs [--record] [name-substring ...]
//   --record  also rewrite data/kernel/<name>.json with the new recording
//   node scripts/kernel-check.mjs --replay   (no QEMU) the agreement table of the recorded runs
//   through the model, per vendor, as docs/kernel-check.md shows it
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
if (args.includes('--replay')) {
  const { compareRun, formatComparison } = await import('../dist/kernel-check/compare.js');
  const { checkRecordedRun } = await import('../dist/kernel-check/record.js');
  const { readFileSync } = await import('node:fs');
  const per = new Map();
  for (const f of readdirSync(join('data', 'kernel')).filter((x) => x.endsWith('.json')).sort()) {
    const c = compareRun(checkRecordedRun(JSON.parse(readFileSync(join('data', 'kernel', f), 'utf8')), f));
    console.log(formatComparison(c));
    const v = per.get(c.vendor) ?? { runs: 0, steps: 0, agree: 0, fields: 0, fieldsAgree: 0 };
    v.runs++;
    v.steps += c.steps.length;
    v.agree += c.steps.filter((s) => s.agrees).length;
    v.fields += c.fieldsCompared;
    v.fieldsAgree += c.fieldsCompared - c.diffs.length;
    per.set(c.vendor, v);
  }
  console.log('\n| vendor | runs | steps compared | steps agreeing | fields compared | fields agreeing |\n| --- | --- | --- | --- | --- | --- |');
  for (const [k, v] of per) console.log(`| ${k} | ${v.runs} | ${v.steps} | ${v.agree} | ${v.fields} | ${v.fieldsAgree} |`);
  process.exit(0);
}
const record = args.includes('--record');
const filters = args.filter((a) => a !== '--record');
const dir = join('data', 'kernel', 'scenarios');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .filter((n) => filters.length === 0 || filters.some((s) => n.includes(s)));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const n of names) {
  const argv = ['bin/dmagate.js', 'qemu', join(dir, `${n}.yaml`), '--timeout', '600'];
  if (n.startsWith('smmuv3')) {
    // arm64 guests: Debian's arm64 kernel and busybox unpacked by hand (docs/kernel-check.md)
    if (!process.env.DMAGATE_ARM64_ROOT) {
      console.error(`kernel-check: ${n}: skipped (set DMAGATE_ARM64_ROOT to the unpacked arm64 packages)`);
      skipped++;
      continue;
    }
    argv.push('--guest-root', process.env.DMAGATE_ARM64_ROOT);
  }
  if (record) argv.push('--record', join('data', 'kernel', `${n}.json`));
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status === 0) passed++;
  else {
    failed++;
    console.error(`kernel-check: ${n}: exit ${r.status}`);
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
