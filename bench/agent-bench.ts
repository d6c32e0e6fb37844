// Scale bench for the acceptance agent (figures in docs/agent.md "Performance"):
//  1. `agent list --rules R` over a 10,000-function fake sysfs tree (100 root ports × 99
//     endpoints, full 4 KiB config files), through the CLI's own code path; peer in the same
//     run: `dmagate audit --json` over the same tree (the same reader, no rules, no hashes).
//  2. 10,000 decisions committed, each in its own transaction with its audit line (as the
//     agent commits them); peer: the same rows as bare INSERTs in one transaction.
//   node --import tsx bench/agent-bench.ts [functions]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildConfigSpace } from '../src/pci/builder.js';
import { makeFakeSysfs, type FakeFn } from '../test/support/fake-sysfs.js';
import { main } from '../src/cli/main.js';
import { Store } from '../src/agent/store.js';
import type { Decision } from '../src/agent/decide.js';
import { writeFileSync } from 'node:fs';

const N = Number(process.argv[2] ?? 10_000);
const ports = 100;
const per = Math.ceil(N / ports) - 1;
const port = buildConfigSpace({ vendor: 0x8086, device: 0x7075, type: 'root-port', msi: true, acs: true }).bytes;
const ep = [
  buildConfigSpace({ vendor: 0x15b3, device: 0x1017, class: 0x020000, ats: true, msix: true, sriov: { totalVfs: 8 } }).bytes,
  buildConfigSpace({ vendor: 0x1e98, device: 0x0c02, class: 0x120000, ats: true, pasid: true, cxl: { cache: true, mem: true } }).bytes,
  buildConfigSpace({ vendor: 0x8086, device: 0x0a54, class: 0x010802, msix: true }).bytes,
];
const fns: FakeFn[] = [];
for (let p = 0; p < ports && fns.length < N; p++) {
  const rp = `0000:00:${(p >> 3).toString(16).padStart(2, '0')}.${p & 7}`;
  const bus = (p + 1).toString(16).padStart(2, '0');
  fns.push({ name: rp, config: port, group: fns.length + 1 });
  for (let e = 0; e < per && fns.length < N; e++) fns.push({ name: `0000:${bus}:${(e >> 3).toString(16).padStart(2, '0')}.${e & 7}`, parent: rp, config: ep[e % 3], group: fns.length + 1 });
}
let t = Date.now();
const tree = makeFakeSysfs({ fns, groups: fns.map((f) => ({ id: f.group!, type: 'DMA' })), iommuUnits: ['dmar0'] });
console.log(`fake sysfs tree: ${fns.length} functions built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
const rules = join(tree.root, 'bench.rules');
writeFileSync(rules, 'allow class 06:04\nreject external\nblock with-cap cxl-cache if !iommu(intel)\nallow id 15b3:* with-cap all-of { ats sriov }\nallow id 8086:0a54\n');

async function timed(args: string[]): Promise<number> {
  const ow = process.stdout.write.bind(process.stdout);
  let bytes = 0;
  process.stdout.write = ((s: string | Uint8Array) => ((bytes += s.length), true)) as typeof process.stdout.write;
  const t0 = process.hrtime.bigint();
  let code: number;
  try {
    code = await main(args);
  } finally {
    process.stdout.write = ow;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`);
  void bytes;
  return ms;
}
try {
  await timed(['agent', 'list', '--sysfs', tree.root, '--rules', rules, '--json']); // warm-up (JIT, file cache)
  const list = Math.min(await timed(['agent', 'list', '--sysfs', tree.root, '--rules', rules]), await timed(['agent', 'list', '--sysfs', tree.root, '--rules', rules]));
  const listJson = await timed(['agent', 'list', '--sysfs', tree.root, '--rules', rules, '--json']);
  const audit = Math.min(await timed(['audit', '--sysfs', tree.root, '--json']), await timed(['audit', '--sysfs', tree.root, '--json']));
  console.log(`agent list over ${fns.length} functions: ${list.toFixed(0)} ms (text), ${listJson.toFixed(0)} ms (--json); peer dmagate audit --json: ${audit.toFixed(0)} ms; ratio list/audit ${(list / audit).toFixed(2)}`);

  const dir = mkdtempSync(join(tmpdir(), 'dmagate-bench-db-'));
  const dec = (i: number): Decision => ({ bdf: `0000:${(i >> 8).toString(16).padStart(2, '0')}:${((i >> 3) & 31).toString(16).padStart(2, '0')}.${i & 7}`, name: null, vendor: '15b3', device: '1017', class: '020000', hash: 'sha256:' + i.toString(16).padStart(64, '0'), target: 'allow', ruleId: 4, ruleText: 'allow id 15b3:*', ruleSource: 'bench.rules:4', options: {}, policyDigest: 'sha256:' + 'f'.repeat(64), time: new Date().toISOString() });
  const D = 10_000;
  const s = Store.open(join(dir, 'agent.db'));
  t = Date.now();
  for (let i = 0; i < D; i++) s.commitDecision(dec(i), 'bench');
  const commit = Date.now() - t;
  const ok = s.integrityCheck();
  s.close();
  const raw = new Database(join(dir, 'raw.db'));
  raw.pragma('journal_mode = WAL');
  raw.exec('CREATE TABLE d (bdf TEXT, target TEXT, rule TEXT, hash TEXT, time TEXT)');
  const ins = raw.prepare('INSERT INTO d VALUES (?,?,?,?,?)');
  t = Date.now();
  raw.transaction(() => {
    for (let i = 0; i < D; i++) {
      const x = dec(i);
      ins.run(x.bdf, x.target, x.ruleText, x.hash, x.time);
    }
  })();
  const bare = Date.now() - t;
  raw.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`${D} decisions committed (one transaction each, with audit, WAL synchronous=NORMAL): ${commit} ms; integrity_check ${ok}; peer bare INSERTs in one transaction: ${bare} ms; ratio ${(commit / Math.max(1, bare)).toFixed(1)}`);
} finally {
  tree.cleanup();
}
