// End to end on the model (reference platform, boot-dma-security). Expected verdicts come
// from VERIFICATION.md and the reference, not from running this code:
// - a rejected device is never accepted, so under the no-ATS parking domain (D7b: "turn ATS off
//   and reject Translated requests on every IOMMU, VT-d scalable included") it reaches no OS
//   memory on any of the four IOMMUs; ext-cxl is untrusted, so pci_ats_supported refuses it
//   ATS (R1.4, Baolu Jan 22) even when it is parked in plain BLOCKED;
// - a trusted ATS device the policy blocks, parked BLOCKED on VT-d scalable, still has its
//   Translated requests accepted (R5.13/R5.15: ATS enabled at probe, DTE set whatever the
//   RID's domain) — the policy cannot help there; on SMMUv3 BLOCKED rejects them (R5.x);
// - a policy that forgets a bridge leaves pcieport unbound: its AER/PME MSI never works (D6);
// - allowing the root ports under park=blocked on SMMUv3 breaks their MSI: VERIFICATION.md's
//   own example cell, trace probe(rp-cxl) accept(rp-cxl) bind(rp-cxl) (D6).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../../src/agent/rules/load.js';
import { simulate, simulateFound, DEFAULT_SIM_VARIANT } from '../../src/agent/simulate.js';
import { loadBackend } from '../../src/verify/backend.js';
import { IOMMU_IDS, type IommuId } from '../../src/kernel/platform.js';
import { formatEvent } from '../../src/kernel/types.js';

const b = await loadBackend();
const P = (text: string) => parsePolicy([{ file: 'p.rules', text }]);
const sim = (text: string, variant = DEFAULT_SIM_VARIANT, iommus: readonly IommuId[] = IOMMU_IDS, passthrough = false) =>
  simulate({ policy: P(text), platform: b.referencePlatform(), model: b.model, transforms: b.transforms, variant, iommus, passthrough, ccGuest: false });

describe('agent simulate on the reference platform', () => {
  it('rejecting ext-cxl (behind the external port) and allowing the rest: sec.unaccepted-no-dma holds for it on all four IOMMUs', () => {
    const r = sim('reject external\nallow');
    const ext = r.decisions.find((d) => d.device.name === 'ext-cxl')!;
    assert.equal(ext.decision.target, 'reject');
    assert.equal(ext.decision.ruleText, 'reject external yes');
    assert.ok(r.decisions.filter((d) => d.device.name !== 'ext-cxl').every((d) => d.decision.target === 'allow'));
    assert.ok(!r.events.some((e) => e.endsWith('(ext-cxl)')), 'the agent never accepts or binds it');
    assert.ok(r.events.includes('accept(cxl-accel)') && r.events.includes('bind(cxl-accel)'));
    assert.ok(r.events.includes('vfio-bind(fpga)'), "fpga's driver is vfio-pci");
    assert.deepEqual(r.cells.map((c) => c.iommu), [...IOMMU_IDS]);
    for (const c of r.cells) {
      assert.equal(c.keptOut['ext-cxl']?.verdict, 'holds', c.iommu);
      assert.equal(c.keptOut['ext-cxl']?.vacuous, undefined, `${c.iommu}: ext-cxl is present unaccepted in some state`);
      assert.equal(c.results['sec.unaccepted-no-dma'].verdict, 'holds', c.iommu);
      assert.equal(c.results['sec.untrusted-no-ats'].verdict, 'holds', c.iommu);
    }
  });

  it('the same rejected untrusted device parked in plain BLOCKED: no ATS on any IOMMU either (untrusted, R1.4)', () => {
    const r = sim('reject external\nallow', 'boot-dma-security,park=blocked,rmr=blocking-domain');
    for (const c of r.cells) assert.equal(c.keptOut['ext-cxl'].verdict, 'holds', c.iommu);
  });

  it('blocking a trusted ATS device under park=blocked: VT-d scalable still accepts its Translated requests (R5.13/R5.15), SMMUv3 and VT-d legacy do not', () => {
    const r = sim('block slot 01:00.0\nallow', 'boot-dma-security,park=blocked,rmr=blocking-domain', ['arm-smmu-v3', 'intel', 'intel-legacy']);
    const by = Object.fromEntries(r.cells.map((c) => [c.iommu, c.keptOut['cxl-accel']]));
    assert.equal(by.intel.verdict, 'violated');
    assert.match(by.intel.detail ?? '', /Translated requests accepted/);
    assert.deepEqual((by.intel.trace ?? []).map(formatEvent), ['probe(rp-cxl)', 'probe(cxl-accel)']);
    assert.equal(by['arm-smmu-v3'].verdict, 'holds');
    assert.equal(by['intel-legacy'].verdict, 'holds');
    assert.ok(simulateFound(r));
  });

  it('a rule set that forgets a bridge: fun.msi-works is named for that bridge on every IOMMU', () => {
    const r = sim('allow slot one-of { 00:02.0 00:03.0 00:04.0 00:05.0 }\nallow class none-of { 06:04 }');
    const rp = r.decisions.find((d) => d.device.name === 'rp-cxl')!;
    assert.equal(rp.decision.target, 'block');
    assert.equal(rp.decision.ruleText, 'implicit');
    for (const c of r.cells) {
      assert.deepEqual(c.findings.map((f) => [f.invariant, f.device]), [['fun.msi-works', 'rp-cxl']], c.iommu);
      assert.match(c.findings[0].detail, /pcieport never binds/);
    }
    assert.ok(simulateFound(r));
    const ok = sim('allow class 06:04\nallow class none-of { 06:04 }');
    assert.ok(ok.cells.every((c) => c.findings.length === 0), 'with the bridges allowed there is no such finding');
  });

  it('allowing every port under park=blocked on SMMUv3 breaks pcieport MSI (VERIFICATION.md example cell)', () => {
    const r = sim('allow', 'boot-dma-security,park=blocked', ['arm-smmu-v3'], true);
    const m = r.cells[0].results['fun.msi-works'];
    assert.equal(m.verdict, 'violated');
    assert.deepEqual((m.trace ?? []).map(formatEvent), ['probe(rp-cxl)', 'accept(rp-cxl)', 'bind(rp-cxl)']);
  });

  it('needs a boot-dma-security variant (acceptance has no kernel effect elsewhere)', () => {
    assert.throws(() => sim('allow', 'mainline'), /needs a boot-dma-security variant/);
  });
});
