#!/usr/bin/env node
// `npm run test:kernel`: boots Debian's Linux under QEMU (TCG) for every scenario in
// data/kernel/scenarios/ and compares what the kernel did with the model (dmagate qemu).
// Opt-in, never part of `npm test` or CI: each boot takes 15-60 s. One boot at a time, niced.
// Usage: node scripts/kernel-check.mjs [--record] [name-substring ...]
//   --record  also rewrite data/kernel/<name>.json with the new recording
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const args = process.argv.slice(2);
const record = args.includes('--record');
const filters = args.filter((a) => a !== '--record');
const dir = join('data', 'kernel', 'scenarios');
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .filter((n) => filters.length === 0 || filters.some((s) => n.includes(s)));
let passed = 0;
let failed = 0;
for (const n of names) {
  const argv = ['bin/dmagate.js', 'qemu', join(dir, `${n}.yaml`), '--timeout', '600'];
  if (record) argv.push('--record', join('data', 'kernel', `${n}.json`));
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status === 0) passed++;
  else {
    failed++;
    console.error(`kernel-check: ${n}: exit ${r.status}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
