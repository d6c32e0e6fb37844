// Every recorded real-kernel run (data/kernel/*.json, made by `dmagate qemu --record` on Debian's
// Linux 6.1 under QEMU 7.2) replayed through the model with the recorded kernel's profile
// (profile=v6.1): the model must predict every step's return, every device's driver, PCI ATS
// Enable and group type. The golden outcomes are the kernel's own, read from config space and
// sysfs in the guest. The QEMU runs themselves are `npm run test:kernel` (not in CI).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { compareRun, formatComparison } from '../../src/kernel-check/compare.js';
import { checkRecordedRun, type RecordedRun } from '../../src/kernel-check/record.js';

const DIR = join(import.meta.dirname, '..', '..', 'data', 'kernel');

function runs(): RecordedRun[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => checkRecordedRun(JSON.parse(readFileSync(join(DIR, f), 'utf8')), f));
}

describe('recorded Linux runs replayed through the model (profile=v6.1)', () => {
  const all = runs();
  it('there are recorded runs for VT-d scalable, VT-d legacy, AMD-Vi and SMMUv3', () => {
    const vendors = new Set(all.map((r) => compareRun(r).vendor));
    for (const v of ['intel', 'intel-legacy', 'amd', 'arm-smmu-v3']) assert.ok(vendors.has(v), `no recorded run for ${v}`);
  });
  for (const run of all) {
    it(`${run.name}: ${run.steps.length} steps on ${run.kernel.release}`, () => {
      const c = compareRun(run);
      assert.ok(c.fieldsCompared > run.steps.length, 'fields were compared');
      assert.equal(c.diffs.length, 0, formatComparison(c));
    });
  }
  it('a changed observation is found: the comparison can fail', () => {
    const run = all.find((r) => r.steps.some((s) => Object.values(s.devices).some((d) => d.atsEnabled)));
    assert.ok(run, 'a run where some device has ATS enabled');
    const k = run.steps.findIndex((s) => Object.values(s.devices).some((d) => d.atsEnabled));
    const name = Object.entries(run.steps[k].devices).find(([, d]) => d.atsEnabled)![0];
    const steps = run.steps.map((s, i) =>
      i === k ? { ...s, devices: { ...s.devices, [name]: { ...s.devices[name], atsEnabled: false } } } : s,
    );
    const c = compareRun({ ...run, steps });
    assert.deepEqual(
      c.diffs.map((d) => [d.step, d.device, d.field]),
      [[run.steps[k].index, name, 'atsEnabled']],
    );
    const r2 = compareRun({ ...run, steps: run.steps.map((s, i) => (i === run.steps.length - 1 ? { ...s, ret: s.ret === 'ok' ? 'EBUSY' : 'ok' } : s)) });
    assert.equal(r2.diffs.filter((d) => d.field === 'return').length, 1);
    // two devices the kernel grouped apart, reported in one group: both see a different partition
    const last = run.steps[run.steps.length - 1];
    const grouped = Object.entries(last.devices).filter(([, d]) => d.group !== null);
    assert.ok(grouped.length >= 2);
    const [[a], [b, db]] = grouped;
    const merged = { ...last, devices: { ...last.devices, [a]: { ...last.devices[a], group: db.group } } };
    const r3 = compareRun({ ...run, steps: [...run.steps.slice(0, -1), merged] });
    assert.deepEqual(r3.diffs.filter((d) => d.field === 'groupMates').map((d) => d.device).sort(), [a, b].sort());
  });
});
