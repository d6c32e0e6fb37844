// R1.1–R1.24 and golden scenarios 2, 8–12 (reference §10), expectations from the rule text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  pciAtsDisabled,
  pciAtsPageAligned,
  pciAtsQueueDepth,
  pciAtsSupported,
  pciDisableAts,
  pciEnableAts,
  pciPrepareAts,
  pciRestoreAtsState,
} from '../../../src/kernel/pci/ats.js';
import { PCI_DEV_INITIAL, pciDevState, type PciStates } from '../../../src/kernel/pci/state.js';
import { dev, platform, rp } from './fixture.js';

const EMPTY: PciStates = {};

/** rp-t (trusted root port) -> ep (PF with SR-IOV) + vf; rp-x (external-facing) -> ext. */
function plat(o: { noats?: boolean; qdep?: number; pageAligned?: boolean } = {}) {
  return platform(
    [
      rp('rp-t', '00:01.0'),
      dev('ep', '01:00.0', { parent: 'rp-t', ats: { qdep: o.qdep ?? 0, pageAligned: o.pageAligned ?? true }, sriov: { totalVfs: 4 } }),
      dev('vf', '01:00.1', { parent: 'rp-t', physfn: 'ep', ats: {} }),
      dev('vf-nocap', '01:00.2', { parent: 'rp-t', physfn: 'ep' }),
      dev('noats-ep', '01:01.0', { parent: 'rp-t' }),
      rp('rp-x', '00:02.0', { externalFacing: true }),
      dev('ext', '02:00.0', { parent: 'rp-x', ats: { qdep: 7 } }),
    ],
    { noats: o.noats },
  );
}

describe('pci_ats_disabled / pci_ats_init / pci_ats_supported', () => {
  it('R1.1 pci=noats sets the global flag', () => {
    assert.equal(pciAtsDisabled(plat({ noats: true })), true);
    assert.equal(pciAtsDisabled(plat()), false);
  });
  it('R1.2 noats leaves ats_cap 0: not supported even with the capability', () => {
    assert.equal(pciAtsSupported(plat({ noats: true }), 'ep'), false);
  });
  it('R1.3 a VF with its own ATS capability has ats_cap; one without has none', () => {
    assert.equal(pciAtsSupported(plat(), 'vf'), true);
    assert.equal(pciAtsSupported(plat(), 'vf-nocap'), false);
  });
  it('R1.4 supported iff ats_cap and trusted', () => {
    assert.equal(pciAtsSupported(plat(), 'ep'), true);
    assert.equal(pciAtsSupported(plat(), 'noats-ep'), false);
    assert.equal(pciAtsSupported(plat(), 'ext'), false); // untrusted (R2.2)
  });
});

describe('pci_prepare_ats (R1.6–R1.10)', () => {
  it('R1.6 not supported -> -EINVAL', () => {
    assert.equal(pciPrepareAts(plat(), EMPTY, 'noats-ep', 12).ret, 'EINVAL');
  });
  it('R1.7 already enabled -> WARN, -EBUSY', () => {
    const p = plat();
    const on = pciEnableAts(p, EMPTY, 'ep', 12);
    const r = pciPrepareAts(p, on.pci, 'ep', 12);
    assert.equal(r.ret, 'EBUSY');
    assert.match(r.trace[0].detail, /WARN/);
    assert.equal(r.trace[0].rule, 'R1.7');
  });
  it('R1.8 ps < 12 -> -EINVAL; ps = 12 allowed', () => {
    assert.equal(pciPrepareAts(plat(), EMPTY, 'ep', 11).ret, 'EINVAL');
    assert.equal(pciPrepareAts(plat(), EMPTY, 'ep', 12).ret, 0);
  });
  it('R1.9 VF -> 0, nothing recorded', () => {
    const r = pciPrepareAts(plat(), EMPTY, 'vf', 12);
    assert.equal(r.ret, 0);
    assert.deepEqual(pciDevState(r.pci, 'vf'), PCI_DEV_INITIAL);
  });
  it('R1.10 PF records ats_stu = ps, Enable stays 0', () => {
    const r = pciPrepareAts(plat(), EMPTY, 'ep', 16);
    assert.equal(r.ret, 0);
    assert.equal(pciDevState(r.pci, 'ep').atsStu, 16);
    assert.equal(pciDevState(r.pci, 'ep').atsEnabled, false);
    assert.match(r.trace[0].detail, /STU 4/);
  });
});

describe('pci_enable_ats (R1.11–R1.16)', () => {
  it('R1.11 no cap / noats / untrusted -> -EINVAL', () => {
    assert.equal(pciEnableAts(plat(), EMPTY, 'noats-ep', 12).ret, 'EINVAL');
    assert.equal(pciEnableAts(plat({ noats: true }), EMPTY, 'ep', 12).ret, 'EINVAL');
    assert.equal(pciEnableAts(plat(), EMPTY, 'ext', 12).ret, 'EINVAL');
  });
  it('R1.13 ps < 12 -> -EINVAL', () => {
    assert.equal(pciEnableAts(plat(), EMPTY, 'ep', 11).ret, 'EINVAL');
  });
  it('R1.14 VF: PF never prepared (ats_stu 0) -> -EINVAL', () => {
    assert.equal(pciEnableAts(plat(), EMPTY, 'vf', 12).ret, 'EINVAL');
  });
  it('R1.14 VF: PF enabled with the same STU -> 0, VF STU not written', () => {
    const p = plat();
    const pf = pciEnableAts(p, EMPTY, 'ep', 12);
    const r = pciEnableAts(p, pf.pci, 'vf', 12);
    assert.equal(r.ret, 0);
    assert.equal(pciDevState(r.pci, 'vf').atsEnabled, true);
    assert.equal(pciDevState(r.pci, 'vf').atsStu, 0);
  });
  it('R1.15/R1.16 PF: records ats_stu, sets ats_enabled, returns 0', () => {
    const r = pciEnableAts(plat(), EMPTY, 'ep', 14);
    assert.equal(r.ret, 0);
    assert.deepEqual(pciDevState(r.pci, 'ep'), { ...PCI_DEV_INITIAL, atsEnabled: true, atsStu: 14 });
  });
  it('does not mutate the input state', () => {
    const st: PciStates = Object.freeze({});
    pciEnableAts(plat(), st, 'ep', 12);
    assert.deepEqual(st, {});
  });
});

describe('pci_disable_ats / pci_restore_ats_state (R1.17–R1.19)', () => {
  it('R1.17 not enabled -> WARN, no change', () => {
    const r = pciDisableAts(plat(), EMPTY, 'ep');
    assert.equal(r.pci, EMPTY);
    assert.match(r.trace[0].detail, /WARN/);
  });
  it('R1.18 clears Enable only; ats_stu kept', () => {
    const p = plat();
    const on = pciEnableAts(p, EMPTY, 'ep', 16);
    const off = pciDisableAts(p, on.pci, 'ep');
    assert.deepEqual(pciDevState(off.pci, 'ep'), { ...PCI_DEV_INITIAL, atsEnabled: false, atsStu: 16 });
  });
  it('R1.19 restore rewrites Enable (+STU unless VF) only when enabled', () => {
    const p = plat();
    assert.equal(pciRestoreAtsState(p, EMPTY, 'ep').trace.length, 0);
    const pf = pciEnableAts(p, EMPTY, 'ep', 12);
    assert.match(pciRestoreAtsState(p, pf.pci, 'ep').trace[0].detail, /Enable \| STU 0/);
    const vf = pciEnableAts(p, pf.pci, 'vf', 12);
    assert.doesNotMatch(pciRestoreAtsState(p, vf.pci, 'vf').trace[0].detail, /STU/);
  });
});

describe('pci_ats_queue_depth / pci_ats_page_aligned (R1.20–R1.24)', () => {
  it('R1.20 no ats_cap -> -EINVAL (also under noats)', () => {
    assert.equal(pciAtsQueueDepth(plat(), 'noats-ep'), 'EINVAL');
    assert.equal(pciAtsQueueDepth(plat({ noats: true }), 'ep'), 'EINVAL');
  });
  it('R1.21 VF -> 0', () => assert.equal(pciAtsQueueDepth(plat(), 'vf'), 0));
  it('R1.22 QDEP field, or 32 when 0', () => {
    assert.equal(pciAtsQueueDepth(plat({ qdep: 0 }), 'ep'), 32);
    assert.equal(pciAtsQueueDepth(plat({ qdep: 5 }), 'ep'), 5);
  });
  it('R1.23 untrusted is not consulted', () => assert.equal(pciAtsQueueDepth(plat(), 'ext'), 7));
  it('R1.24 page aligned iff ats_cap and CAP bit 5', () => {
    assert.equal(pciAtsPageAligned(plat({ pageAligned: true }), 'ep'), true);
    assert.equal(pciAtsPageAligned(plat({ pageAligned: false }), 'ep'), false);
    assert.equal(pciAtsPageAligned(plat({ pageAligned: true, noats: true }), 'ep'), false);
    assert.equal(pciAtsPageAligned(plat(), 'noats-ep'), false);
  });
});

describe('golden scenarios (reference §10)', () => {
  it('2. pci=noats, CXL.cache device: pci_enable_ats -> -EINVAL', () => {
    const p = platform([rp('rp', '00:01.0'), dev('cxl', '01:00.0', { parent: 'rp', ats: {}, cxl: { cache: true } })], { noats: true });
    assert.equal(pciAtsSupported(p, 'cxl'), false);
    assert.equal(pciEnableAts(p, EMPTY, 'cxl', 12).ret, 'EINVAL');
    assert.equal(pciPrepareAts(p, EMPTY, 'cxl', 12).ret, 'EINVAL');
  });
  it('8. pci_enable_ats twice: the second WARNs and returns -EBUSY', () => {
    const p = plat();
    const first = pciEnableAts(p, EMPTY, 'ep', 12);
    assert.equal(first.ret, 0);
    const second = pciEnableAts(p, first.pci, 'ep', 12);
    assert.equal(second.ret, 'EBUSY');
    assert.equal(second.trace[0].rule, 'R1.12');
    assert.match(second.trace[0].detail, /WARN/);
    assert.equal(second.pci, first.pci);
  });
  it('9. pci_enable_ats(dev, 11) -> -EINVAL', () => {
    assert.equal(pciEnableAts(plat(), EMPTY, 'ep', 11).ret, 'EINVAL');
  });
  it('10. VF ps 12 with PF prepared at 16 -> -EINVAL; PF prepared at 12, not enabled -> VF succeeds, Enable only', () => {
    const p = plat();
    const at16 = pciPrepareAts(p, EMPTY, 'ep', 16);
    assert.equal(pciEnableAts(p, at16.pci, 'vf', 12).ret, 'EINVAL');
    const at12 = pciPrepareAts(p, EMPTY, 'ep', 12);
    assert.equal(pciDevState(at12.pci, 'ep').atsEnabled, false);
    const r = pciEnableAts(p, at12.pci, 'vf', 12);
    assert.equal(r.ret, 0);
    assert.match(r.trace[0].detail, /Enable only/);
    assert.equal(pciDevState(r.pci, 'vf').atsStu, 0);
  });
  it('11. pci_prepare_ats on a VF -> 0, writes nothing; on an untrusted PF -> -EINVAL', () => {
    const p = plat();
    const vf = pciPrepareAts(p, EMPTY, 'vf', 12);
    assert.equal(vf.ret, 0);
    assert.equal(pciDevState(vf.pci, 'vf').atsStu, 0);
    assert.doesNotMatch(vf.trace[0].detail, /write/);
    assert.equal(pciPrepareAts(p, EMPTY, 'ext', 12).ret, 'EINVAL');
  });
  it('12. queue depth: VF -> 0; PF QDEP 0 -> 32; untrusted PF -> its real depth', () => {
    assert.equal(pciAtsQueueDepth(plat(), 'vf'), 0);
    assert.equal(pciAtsQueueDepth(plat({ qdep: 0 }), 'ep'), 32);
    assert.equal(pciAtsQueueDepth(plat(), 'ext'), 7);
  });
});
