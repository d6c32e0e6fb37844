// Crash-safety trials (used by test/agent/crash.test.ts with a few trials and by
// bench/agent-crash.ts with ≥200): a child process decides and acts on a fake sysfs tree
// (the fake kernel binds/removes as sysfs would) and is SIGKILLed at a random moment; then
//   at the kill:   PRAGMA integrity_check is ok; every bound device has a decision (committed
//                  or applied) whose target is allow; every removed device has a reject;
//   after restart: the agent reconciles and finishes; no decision is left open; every
//                  device has exactly one decision row (none lost, none duplicated).
import { spawn } from 'node:child_process';
import { existsSync, readlinkSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildConfigSpace } from '../../../src/pci/builder.js';
import { makeFakeSysfs, type FakeFn, type FakeTree } from '../../support/fake-sysfs.js';
import { addWritableAttrs, fakeKernel } from './fake-kernel.js';
import { parsePolicy } from '../../../src/agent/rules/load.js';
import { runOnce } from '../../../src/agent/engine.js';
import { Store } from '../../../src/agent/store.js';

export const CRASH_POLICY = 'allow class 06:04\nreject id 1e98:*\nblock id 10ee:*\nallow\n';

export interface CrashTree {
  readonly tree: FakeTree;
  readonly names: readonly string[];
  readonly matches: Readonly<Record<string, string>>;
}

export function crashTree(ports = 12, perPort = 4): CrashTree {
  const port = buildConfigSpace({ vendor: 0x8086, device: 0x7075, type: 'root-port', msi: true }).bytes;
  const kinds = [
    buildConfigSpace({ vendor: 0x15b3, device: 0x1017, class: 0x020000, ats: true, msix: true }).bytes,
    buildConfigSpace({ vendor: 0x1e98, device: 0x0c02, class: 0x120000, ats: true, cxl: { cache: true } }).bytes,
    buildConfigSpace({ vendor: 0x10ee, device: 0x9038, class: 0x120000, msi: true }).bytes,
    buildConfigSpace({ vendor: 0x8086, device: 0x0a54, class: 0x010802, msix: true }).bytes,
  ];
  const drv = ['mlx5_core', 'cxl_accel', 'xdma', 'nvme'];
  const fns: FakeFn[] = [];
  const matches: Record<string, string> = {};
  let g = 1;
  const groups = [];
  for (let p = 0; p < ports; p++) {
    const rp = `0000:00:${(p + 1).toString(16).padStart(2, '0')}.0`;
    groups.push({ id: g });
    fns.push({ name: rp, config: port, group: g++ });
    matches[rp] = 'pcieport';
    for (let e = 0; e < perPort; e++) {
      const n = `0000:${(p + 1).toString(16).padStart(2, '0')}:00.${e}`;
      groups.push({ id: g });
      fns.push({ name: n, parent: rp, config: kinds[e % 4], group: g++ });
      matches[n] = drv[e % 4];
    }
  }
  const tree = makeFakeSysfs({ fns, groups, iommuUnits: ['smmu3.0x0'] });
  addWritableAttrs(tree.root, ['pcieport', ...drv]);
  return { tree, names: fns.map((f) => f.name), matches };
}

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** Starts the child; resolves when it was killed (or finished) after `delayMs` from "ready". */
export function runAndKill(root: string, db: string, delayMs: number, afterWrites = 0): Promise<'killed' | 'finished'> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD, root, db], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CRASH_AFTER_WRITES: String(afterWrites) } });
    let err = '';
    let timer: NodeJS.Timeout | null = null;
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.stdout.on('data', (d: Buffer) => {
      if (timer === null && delayMs >= 0 && d.toString().includes('ready')) timer = setTimeout(() => c.kill('SIGKILL'), delayMs);
    });
    c.on('exit', (code, sig) => {
      if (timer !== null) clearTimeout(timer);
      if (sig === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('finished');
      else reject(new Error(`crash child exited ${code}: ${err}`));
    });
  });
}

function boundDevices(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(root, 'sys', 'bus', 'pci', 'devices');
  for (const n of readdirSync(dir)) {
    try {
      out.set(n, readlinkSync(join(dir, n, 'driver')).split('/').pop()!);
    } catch {
      // unbound
    }
  }
  return out;
}

export interface TrialResult {
  readonly outcome: 'killed' | 'finished';
  readonly atKill: { integrity: string; decisions: number; open: number };
  readonly problems: readonly string[];
}

/** Checks the store and the tree as the kill left them, restarts, checks again. */
export function checkTrial(ct: CrashTree, db: string, outcome: 'killed' | 'finished'): TrialResult {
  const problems: string[] = [];
  const raw = new Database(db);
  const integrity = raw.pragma('integrity_check', { simple: true }) as string;
  if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
  const rows = raw.prepare("SELECT bdf, target, state FROM decisions WHERE state <> 'superseded'").all() as { bdf: string; target: string; state: string }[];
  raw.close();
  const live = new Map(rows.map((r) => [r.bdf, r]));
  for (const [bdf, drv] of boundDevices(ct.tree.root)) {
    const d = live.get(bdf);
    if (d === undefined || d.target !== 'allow') problems.push(`at the kill: ${bdf} bound to ${drv} without a committed allow (${d === undefined ? 'no decision' : d.target})`);
  }
  for (const n of ct.names) {
    if (!existsSync(join(ct.tree.root, 'sys', 'bus', 'pci', 'devices', n)) && live.get(n)?.target !== 'reject') problems.push(`at the kill: ${n} removed without a committed reject`);
  }
  const open = rows.filter((r) => r.state === 'committed').length;
  // restart: reconcile and finish the pass
  const store = Store.open(db);
  try {
    runOnce({ root: ct.tree.root, policy: parsePolicy([{ file: 'crash.rules', text: CRASH_POLICY }]), store, apply: true, actor: 'restart', writer: fakeKernel(ct.matches) });
    if (store.integrityCheck() !== 'ok') problems.push('after restart: integrity_check not ok');
    if (store.pending().length > 0) problems.push(`after restart: ${store.pending().length} decisions still open`);
    const per = store.db.prepare('SELECT bdf, count(*) AS n FROM decisions GROUP BY bdf').all() as { bdf: string; n: number }[];
    const count = new Map(per.map((r) => [r.bdf, r.n]));
    for (const n of ct.names) if (count.get(n) !== 1) problems.push(`after restart: ${n} has ${count.get(n) ?? 0} decisions (expected exactly 1)`);
    for (const [bdf] of boundDevices(ct.tree.root)) if (store.current(bdf)?.target !== 'allow') problems.push(`after restart: ${bdf} bound without allow`);
  } finally {
    store.close();
  }
  return { outcome, atKill: { integrity, decisions: rows.length, open }, problems };
}
