// The sysfs back end: read the host (readSysfs), decide every function (parents first),
// plan the writes, and — only with `apply` — carry them out through the confined writer,
// committing each decision before its first write and its outcome after the last. Right
// before every write the device is read again and its identity and hash compared with the
// decision's (bolt's unique_id check, bolt_verify_uid): a device swapped meanwhile is not bound.
import { join } from 'node:path';
import { readSysfs, readSysfsFunction, type SysfsHost } from '../platform/sysfs-reader.js';
import { listDir, openRoot, readText, type SysfsNote } from '../platform/sysfs-fs.js';
import { writeSysfsAttr, SysfsWriteError } from '../platform/sysfs-write.js';
import type { AgentDevice } from './device.js';
import { decide, type Decision } from './decide.js';
import { sysfsDevices, measureSysfs } from './from-sysfs.js';
import { AUTOPROBE_OFF, planFor, type Plan } from './plan.js';
import type { Policy } from './rules/ast.js';
import type { DecideContext } from './rules/conditions.js';
import type { Evaluation } from './rules/evaluate.js';
import type { Store } from './store.js';

export interface Writer {
  write(root: string, rel: string, value: string): void;
}

export const SYSFS_WRITER: Writer = { write: (root, rel, value) => void writeSysfsAttr(root, rel, value) };

export type Status = 'planned' | 'applied' | 'failed' | 'unchanged' | 'refused-swapped';

export interface DeviceResult {
  readonly device: AgentDevice;
  readonly decision: Decision;
  readonly evaluation: Evaluation;
  readonly plan: Plan;
  readonly status: Status;
  readonly decisionId?: number;
  readonly detail?: string;
}

export interface EngineOptions {
  readonly root: string;
  readonly policy: Policy;
  readonly store: Store | null;
  readonly apply: boolean;
  readonly actor: string;
  readonly writer?: Writer;
  /** Devices present when the agent started (true for the first pass). */
  readonly presentAtStart?: boolean;
  /** Only these BDFs. */
  readonly only?: ReadonlySet<string>;
  /** Called after each device (the daemon and the crash test watch progress). */
  onDevice?(r: DeviceResult): void;
}

export function iommuOf(units: readonly string[]): string | null {
  if (units.some((u) => u.startsWith('dmar'))) return 'intel';
  if (units.some((u) => u.startsWith('ivhd') || u.startsWith('amd'))) return 'amd';
  if (units.some((u) => u.includes('smmu'))) return 'arm-smmu-v3';
  return null;
}

export function hostContext(root: string, host: SysfsHost, presentAtStart: boolean): DecideContext {
  const r = openRoot(root);
  const notes: SysfsNote[] = [];
  const tsm = listDir(r, join(r.real, 'sys', 'class', 'tsm'), notes).some((n) => /^tsm\d+$/.test(n));
  return { presentAtStart, iommu: iommuOf(host.iommuUnits), cmdline: (host.cmdline ?? '').split(/\s+/).filter(Boolean), tsmPresent: tsm };
}

/** Parents before children, then by address. */
export function topoOrder(devs: readonly AgentDevice[]): AgentDevice[] {
  return [...devs].sort((a, b) => a.via.length - b.via.length || (a.bdf < b.bdf ? -1 : a.bdf > b.bdf ? 1 : 0));
}

/** The device now, or why it may not be written: gone, or not the one decided about. */
function recheck(root: string, dec: Decision): { ok: true; driver: string | null } | { ok: false; why: string } {
  const f = readSysfsFunction(root, dec.bdf);
  if (f === null) return { ok: false, why: `${dec.bdf} is gone` };
  const hex = (n: number | null, w: number): string | null => (n === null ? null : n.toString(16).padStart(w, '0'));
  const now = { vendor: hex(f.vendor, 4), device: hex(f.device, 4), class: hex(f.classCode, 6), hash: measureSysfs(f) };
  for (const k of ['vendor', 'device', 'class', 'hash'] as const) {
    if (now[k] !== dec[k]) return { ok: false, why: `${dec.bdf} changed since the decision: ${k} ${dec[k] ?? 'unknown'} -> ${now[k] ?? 'unknown'} (a swapped device is not bound)` };
  }
  return { ok: true, driver: f.driver };
}

/** Carries out a plan, re-checking before each write. */
function execute(o: EngineOptions, dec: Decision, plan: Plan): { ok: boolean; swapped: boolean; detail: string } {
  const w = o.writer ?? SYSFS_WRITER;
  const done: string[] = [];
  for (const step of plan.writes) {
    const c = recheck(o.root, dec);
    if (!c.ok) {
      // A reject's remove makes the device vanish: only ever the last write.
      return { ok: false, swapped: true, detail: `${c.why}; stopped before ${step.path}${done.length > 0 ? ` (done: ${done.join(', ')})` : ''}` };
    }
    try {
      w.write(o.root, step.path, step.value);
      done.push(`${step.path} <- "${step.value}"`);
    } catch (e) {
      const why = e instanceof SysfsWriteError ? e.message : `${step.path}: ${e instanceof Error ? e.message : String(e)}`;
      return { ok: false, swapped: false, detail: why };
    }
  }
  return { ok: true, swapped: false, detail: done.length > 0 ? done.join('; ') : 'nothing to write' };
}

/** Is the sysfs state what the decision asked for? (reconcile after a crash) */
function satisfied(root: string, dec: Decision): boolean | 'gone' {
  const f = readSysfsFunction(root, dec.bdf);
  if (f === null) return 'gone';
  switch (dec.target) {
    case 'allow':
      return f.driver !== null && (dec.options.driver === undefined || f.driver === dec.options.driver);
    case 'block':
      return f.driver === null && f.driverOverride === 'none';
    case 'reject':
      return false;
    case 'keep':
      return true;
  }
}

/** Settles decisions a crash left committed but without an outcome. */
export function reconcile(o: EngineOptions): { settled: number } {
  if (o.store === null) return { settled: 0 };
  let settled = 0;
  const host = readSysfs(o.root);
  const byBdf = new Map(sysfsDevices(host).map((d) => [d.bdf, d]));
  const iommu = iommuOf(host.iommuUnits);
  for (const p of o.store.pending()) {
    settled++;
    const s = satisfied(o.root, p);
    if (s === 'gone') {
      o.store.recordOutcome(p.id, p.target === 'reject', p.target === 'reject' ? 'reconciled after restart: removed' : 'reconciled after restart: device gone', o.actor);
      continue;
    }
    if (s) {
      o.store.recordOutcome(p.id, true, 'reconciled after restart: sysfs already as decided', o.actor);
      continue;
    }
    const d = byBdf.get(p.bdf);
    if (d === undefined || d.hash !== p.hash) {
      o.store.recordOutcome(p.id, false, 'reconciled after restart: the device changed; decided again below', o.actor);
      continue;
    }
    const r = execute(o, p, planFor(p, d, iommu));
    o.store.recordOutcome(p.id, r.ok, `reconciled after restart: ${r.detail}`, o.actor);
  }
  return { settled };
}

export interface RunResult {
  readonly host: SysfsHost;
  readonly results: readonly DeviceResult[];
  readonly autoprobe: 'unchanged' | 'disabled' | 'would-disable' | 'absent' | 'failed';
  readonly reconciled: number;
}

/** One pass over the host: decide (and with `apply`, act on) every function. */
export function runOnce(o: EngineOptions): RunResult {
  const reconciled = o.apply ? reconcile(o).settled : 0;
  const host = readSysfs(o.root);
  const ctx = hostContext(o.root, host, o.presentAtStart ?? true);
  const r = openRoot(o.root);
  const ap = readText(r, join(r.real, AUTOPROBE_OFF.path), []);
  let autoprobe: RunResult['autoprobe'] = typeof ap !== 'string' ? 'absent' : ap === '0' ? 'unchanged' : o.apply ? 'disabled' : 'would-disable';
  if (autoprobe === 'disabled') {
    try {
      (o.writer ?? SYSFS_WRITER).write(o.root, AUTOPROBE_OFF.path, AUTOPROBE_OFF.value);
      o.store?.audit({ who: o.actor, what: 'autoprobe-off', bdf: null, decisionId: null, rule: null, oldTarget: ap as string, newTarget: '0', result: 'success', detail: AUTOPROBE_OFF.why });
    } catch (e) {
      autoprobe = 'failed';
      o.store?.audit({ who: o.actor, what: 'autoprobe-off', bdf: null, decisionId: null, rule: null, oldTarget: ap as string, newTarget: '0', result: 'failure', detail: e instanceof Error ? e.message : String(e) });
    }
  }
  const results: DeviceResult[] = [];
  for (const d of topoOrder(sysfsDevices(host))) {
    if (o.only !== undefined && !o.only.has(d.bdf)) continue;
    const { decision, evaluation } = decide(o.policy, d, ctx);
    const plan = planFor(decision, d, ctx.iommu);
    let res: DeviceResult;
    const cur = o.store?.current(d.bdf) ?? null;
    if (cur !== null && cur.state === 'applied' && cur.policyDigest === decision.policyDigest && cur.hash === decision.hash && cur.target === decision.target && (cur.ruleText === 'manual' || cur.ruleId === decision.ruleId)) {
      res = { device: d, decision: cur, evaluation, plan, status: 'unchanged', decisionId: cur.id };
    } else if (cur !== null && cur.ruleText === 'manual' && cur.hash === decision.hash && cur.state === 'applied') {
      res = { device: d, decision: cur, evaluation, plan, status: 'unchanged', decisionId: cur.id, detail: 'a manual decision stands' };
    } else if (!o.apply) {
      res = { device: d, decision, evaluation, plan, status: 'planned' };
    } else {
      const id = o.store !== null ? o.store.commitDecision(decision, o.actor) : undefined;
      const x = execute(o, decision, plan);
      if (o.store !== null && id !== undefined) o.store.recordOutcome(id, x.ok, x.detail, o.actor);
      res = { device: d, decision, evaluation, plan, status: x.ok ? 'applied' : x.swapped ? 'refused-swapped' : 'failed', decisionId: id, detail: x.detail };
    }
    results.push(res);
    o.onDevice?.(res);
  }
  return { host, results, autoprobe, reconciled };
}

/** A manual decision for one device (`agent allow|block|reject BDF`). */
export function actOn(o: EngineOptions, dec: Decision, d: AgentDevice, iommu: string | null, permanent: boolean): DeviceResult {
  const plan = planFor(dec, d, iommu);
  const evaluation: Evaluation = { outcome: { target: dec.target, by: { kind: 'implicit' }, options: {} }, trace: [] };
  if (!o.apply) return { device: d, decision: dec, evaluation, plan, status: 'planned' };
  const id = o.store !== null ? o.store.commitDecision(dec, o.actor, permanent) : undefined;
  const x = execute(o, dec, plan);
  if (o.store !== null && id !== undefined) o.store.recordOutcome(id, x.ok, x.detail, o.actor);
  return { device: d, decision: dec, evaluation, plan, status: x.ok ? 'applied' : x.swapped ? 'refused-swapped' : 'failed', decisionId: id, detail: x.detail };
}
