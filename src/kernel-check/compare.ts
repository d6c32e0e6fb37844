// Replays a recorded run through the model (the kernel profile of the recorded kernel:
// profile=v6.1 for Linux 6.1) and compares, step by step, what the model predicts with what the
// kernel did: each step's return (ok / errno), and per device the bound driver, PCI ATS Enable,
// the group's default-domain type (sysfs `type`; compared while the group is not owned by
// VFIO, when it is the domain the model names), and which devices share an IOMMU group.
import { kernelModel } from '../kernel/model.js';
import { parseEvent, type DeviceObs, type KEvent } from '../kernel/types.js';
import { parseVariant, type Variant } from '../kernel/variants.js';
import { loadScenario, type Scenario } from '../platform/scenario.js';
import { profileForRelease } from './plan.js';
import type { GuestDeviceObs, RecordedRun } from './record.js';

export interface FieldDiff {
  readonly step: number;
  readonly event: string;
  readonly device: string | null;
  readonly field: string;
  readonly kernel: unknown;
  readonly model: unknown;
}

export interface StepVerdict {
  readonly index: number;
  readonly event: string;
  readonly agrees: boolean;
  readonly fields: number;
}

export interface Comparison {
  readonly run: string;
  readonly vendor: string;
  readonly variant: string;
  readonly steps: readonly StepVerdict[];
  readonly diffs: readonly FieldDiff[];
  readonly fieldsCompared: number;
}

/** sysfs `type` text for a model domain that is a default domain (iommu_group_show_type). */
const SYSFS_TYPE: Readonly<Record<string, string>> = { identity: 'identity', dma: 'DMA', 'dma-fq': 'DMA-FQ' };

export function scenarioOfRun(run: RecordedRun): Scenario {
  const r = loadScenario(run.scenario, run.scenarioFile);
  if (!r.scenario) throw new Error(`${run.name}: the recorded scenario does not load: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.scenario;
}

export function variantForRun(run: RecordedRun): Variant {
  return parseVariant(`profile=${profileForRelease(run.kernel.release)}`);
}

/** Per device: the other scenario devices in its IOMMU group (R3 grouping as the kernel did it). */
function coMembers(groupOf: ReadonlyMap<string, string | null>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [n, g] of groupOf) {
    out.set(n, g === null ? '(no group)' : [...groupOf].filter(([o, h]) => o !== n && h === g).map(([o]) => o).sort().join(',') || '(alone)');
  }
  return out;
}

function compareDevice(step: number, event: string, name: string, k: GuestDeviceObs, m: DeviceObs, out: FieldDiff[]): number {
  let n = 0;
  const cmp = (field: string, kv: unknown, mv: unknown): void => {
    n++;
    if (kv !== mv) out.push({ step, event, device: name, field, kernel: kv, model: mv });
  };
  cmp('present', k.present, m.present);
  if (!k.present || !m.present) return n;
  cmp('driver', k.driver, m.driver);
  cmp('atsEnabled', k.atsEnabled, m.atsEnabled);
  if (!m.groupOwned) cmp('type', k.type, m.group === null ? null : (SYSFS_TYPE[m.domain] ?? `(model domain ${m.domain})`));
  return n;
}

export function compareRun(run: RecordedRun): Comparison {
  const sc = scenarioOfRun(run);
  const v = variantForRun(run);
  const p = sc.platform;
  const events: KEvent[] = [...run.bootEvents.map(parseEvent), ...run.steps.slice(1).map((s) => parseEvent(s.event))];
  const diffs: FieldDiff[] = [];
  const verdicts: StepVerdict[] = [];
  let s = kernelModel.init(p, v);
  let fieldsCompared = 0;
  let e = 0;
  for (; e < run.bootEvents.length; e++) s = kernelModel.step(p, v, s, events[e]).state;
  run.steps.forEach((st) => {
    const before = diffs.length;
    let fields = 0;
    if (st.index > 0) {
      const r = kernelModel.step(p, v, s, events[e++]);
      s = r.state;
      fields++;
      const mret = r.ret.ok ? 'ok' : r.ret.errno;
      if (mret !== st.ret) diffs.push({ step: st.index, event: st.event, device: null, field: 'return', kernel: st.ret, model: r.ret.ok ? 'ok' : `${r.ret.errno} (${r.ret.why})` });
    }
    const obs = kernelModel.observe(p, v, s);
    for (const d of p.devices) {
      const k = st.devices[d.name];
      if (k === undefined) continue;
      fields += compareDevice(st.index, st.event, d.name, k, obs.devices[d.name], diffs);
    }
    // the group partition: who shares a group with whom (present devices)
    const here = p.devices.filter((d) => st.devices[d.name]?.present && obs.devices[d.name].present).map((d) => d.name);
    const kg = coMembers(new Map(here.map((n) => [n, st.devices[n].group])));
    const mg = coMembers(new Map(here.map((n) => [n, obs.devices[n].group])));
    for (const n of here) {
      fields++;
      if (kg.get(n) !== mg.get(n)) diffs.push({ step: st.index, event: st.event, device: n, field: 'groupMates', kernel: kg.get(n), model: mg.get(n) });
    }
    fieldsCompared += fields;
    verdicts.push({ index: st.index, event: st.event, agrees: diffs.length === before, fields });
  });
  return { run: run.name, vendor: p.iommu, variant: v.id, steps: verdicts, diffs, fieldsCompared };
}

export function formatComparison(c: Comparison): string {
  const agree = c.steps.filter((s) => s.agrees).length;
  const lines = [`${c.run} (${c.vendor}, ${c.variant}): ${agree}/${c.steps.length} steps agree, ${c.fieldsCompared - c.diffs.length}/${c.fieldsCompared} fields`];
  for (const d of c.diffs) {
    lines.push(`  step ${d.step} ${d.event}${d.device === null ? '' : ` ${d.device}`}.${d.field}: kernel ${JSON.stringify(d.kernel)}, model ${JSON.stringify(d.model)}`);
  }
  return lines.join('\n');
}
