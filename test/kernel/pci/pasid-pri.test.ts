// R1.25–R1.29 (PRI, PASID) and golden scenarios 13, 14 (reference §10).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  pciDisablePasid,
  pciDisablePri,
  pciEetlpPrefixMax,
  pciEnableAts,
  pciEnablePasid,
  pciEnablePri,
  pciMaxPasids,
  pciPasidFeatures,
  pciPrgRespPasidRequired,
  pciPriSupported,
  pciResetPri,
} from '../../../src/kernel/pci/ats.js';
import { pciDevState, type PciStates } from '../../../src/kernel/pci/state.js';
import { ACS } from '../../../src/pci/types.js';
import { dev, platform, rp } from './fixture.js';

const EMPTY: PciStates = {};
const EXEC = 0x2;
const PRIV = 0x4;

function plat(o: { rpAcs?: { cap: number; ctrl: number } | false; rpEetlp?: boolean; epEetlp?: boolean; noTlp?: boolean; stopped?: boolean } = {}) {
  return platform([
    rp('rp', '00:01.0', { acs: o.rpAcs === undefined ? { cap: 0x1f, ctrl: 0x1d } : o.rpAcs, eetlp: o.rpEetlp ?? true }),
    dev('ep', '01:00.0', {
      parent: 'rp',
      ats: {},
      pasid: { width: 16, exec: true, priv: false },
      pri: { stopped: o.stopped ?? true, maxRequests: 64, pasidRequired: true },
      sriov: { totalVfs: 2 },
      eetlp: o.epEetlp ?? true,
      pasidNoTlp: o.noTlp,
    }),
    dev('vf', '01:00.1', { parent: 'rp', physfn: 'ep', ats: {} }),
    dev('plain', '01:01.0', { parent: 'rp' }),
  ]);
}

describe('PRI (R1.25a–e)', () => {
  it('R1.25b step 1: VF -> 0 when the PF PRI is enabled, else -EINVAL', () => {
    const p = plat();
    assert.equal(pciEnablePri(p, EMPTY, 'vf', 32).ret, 'EINVAL');
    const pf = pciEnablePri(p, EMPTY, 'ep', 32);
    assert.equal(pciEnablePri(p, pf.pci, 'vf', 32).ret, 0);
  });
  it('R1.25b step 2: already enabled -> WARN, -EBUSY', () => {
    const p = plat();
    const on = pciEnablePri(p, EMPTY, 'ep', 32);
    const r = pciEnablePri(p, on.pci, 'ep', 32);
    assert.equal(r.ret, 'EBUSY');
    assert.match(r.trace[0].detail, /WARN/);
  });
  it('R1.25b step 3: no capability -> -EINVAL', () => assert.equal(pciEnablePri(plat(), EMPTY, 'plain', 32).ret, 'EINVAL'));
  it('R1.25b step 5: allocation = min(max, reqs), enabled', () => {
    const p = plat();
    const a = pciEnablePri(p, EMPTY, 'ep', 1000);
    assert.equal(a.ret, 0);
    assert.equal(pciDevState(a.pci, 'ep').priReqsAlloc, 64);
    assert.equal(pciDevState(a.pci, 'ep').priEnabled, true);
    assert.equal(pciDevState(pciEnablePri(p, EMPTY, 'ep', 8).pci, 'ep').priReqsAlloc, 8);
  });
  it('R1.25c disable: VF no-op; not enabled WARN; else clears Enable', () => {
    const p = plat();
    assert.equal(pciDisablePri(p, EMPTY, 'vf').pci, EMPTY);
    assert.match(pciDisablePri(p, EMPTY, 'ep').trace[0].detail, /WARN/);
    const on = pciEnablePri(p, EMPTY, 'ep', 8);
    const off = pciDisablePri(p, on.pci, 'ep');
    assert.equal(pciDevState(off.pci, 'ep').priEnabled, false);
  });
  it('R1.25d reset: VF -> 0; no capability -> -EINVAL; disabled -> 0', () => {
    const p = plat();
    assert.equal(pciResetPri(p, EMPTY, 'vf').ret, 0);
    assert.equal(pciResetPri(p, EMPTY, 'plain').ret, 'EINVAL');
    assert.equal(pciResetPri(p, EMPTY, 'ep').ret, 0);
  });
  it('R1.25a/e pri_supported and PRG-response PASID-required read the PF for a VF', () => {
    const p = plat();
    assert.equal(pciPriSupported(p, 'vf'), true);
    assert.equal(pciPrgRespPasidRequired(p, 'vf'), true);
    assert.equal(pciPriSupported(p, 'plain'), false);
  });
});

describe('PASID (R1.26–R1.29)', () => {
  it('R1.26 step 1: VF -> 0 when the PF PASID is enabled, else -EINVAL', () => {
    const p = plat();
    assert.equal(pciEnablePasid(p, EMPTY, 'vf', 0).ret, 'EINVAL');
    const pf = pciEnablePasid(p, EMPTY, 'ep', 0);
    assert.equal(pf.ret, 0);
    assert.equal(pciEnablePasid(p, pf.pci, 'vf', 0).ret, 0);
  });
  it('R1.26 step 2: already enabled -> WARN, -EBUSY', () => {
    const p = plat();
    const on = pciEnablePasid(p, EMPTY, 'ep', 0);
    const r = pciEnablePasid(p, on.pci, 'ep', 0);
    assert.equal(r.ret, 'EBUSY');
    assert.match(r.trace[0].detail, /WARN/);
  });
  it('R1.26 step 3: no End-End TLP prefix on the path -> -EINVAL unless pasid_no_tlp', () => {
    assert.equal(pciEnablePasid(plat({ rpEetlp: false }), EMPTY, 'ep', 0).ret, 'EINVAL');
    assert.equal(pciEnablePasid(plat({ epEetlp: false }), EMPTY, 'ep', 0).ret, 'EINVAL');
    assert.equal(pciEnablePasid(plat({ rpEetlp: false, noTlp: true }), EMPTY, 'ep', 0).ret, 0);
  });
  it('eetlp_prefix_max: root port has its own; a device below gets its own only when the bridge has one; 00b means 4', () => {
    assert.equal(pciEetlpPrefixMax(plat(), 'rp'), 4);
    assert.equal(pciEetlpPrefixMax(plat(), 'ep'), 4);
    assert.equal(pciEetlpPrefixMax(plat({ rpEetlp: false }), 'ep'), 0);
  });
  it('R1.26 step 4: no PASID capability -> -EINVAL', () => assert.equal(pciEnablePasid(plat(), EMPTY, 'plain', 0).ret, 'EINVAL'));
  it('R1.26 step 5: ACS RR|UF missing on the path -> -EINVAL', () => {
    assert.equal(pciEnablePasid(plat({ rpAcs: false }), EMPTY, 'ep', 0).ret, 'EINVAL');
  });
  it('R1.26 step 5: RR|UF offered by the ACS capability are enabled by the kernel (pci_std_enable_acs)', () => {
    assert.equal(pciEnablePasid(plat({ rpAcs: { cap: ACS.RR | ACS.UF, ctrl: 0 } }), EMPTY, 'ep', 0).ret, 0);
  });
  it('R1.26 step 6: features outside the supported Exec|Priv -> -EINVAL', () => {
    assert.equal(pciEnablePasid(plat(), EMPTY, 'ep', PRIV).ret, 'EINVAL');
    assert.equal(pciEnablePasid(plat(), EMPTY, 'ep', EXEC).ret, 0);
  });
  it('R1.26 step 7: Enable | features written, features remembered', () => {
    const r = pciEnablePasid(plat(), EMPTY, 'ep', EXEC);
    assert.equal(pciDevState(r.pci, 'ep').pasidEnabled, true);
    assert.equal(pciDevState(r.pci, 'ep').pasidFeatures, EXEC);
  });
  it('R1.27 PASID enabled after ATS, or disabled before ATS: flagged (the kernel does not check)', () => {
    const p = plat();
    const ats = pciEnableAts(p, EMPTY, 'ep', 12);
    const late = pciEnablePasid(p, ats.pci, 'ep', 0);
    assert.equal(late.ret, 0);
    assert.ok(late.trace.some((t) => t.rule === 'R1.27'));
    const early = pciDisablePasid(p, late.pci, 'ep');
    assert.ok(early.trace.some((t) => t.rule === 'R1.27'));
    const inOrder = pciEnablePasid(p, EMPTY, 'ep', 0);
    assert.ok(!inOrder.trace.some((t) => t.rule === 'R1.27'));
  });
  it('R1.28 disable: VF no-op; not enabled WARN; else Control = 0', () => {
    const p = plat();
    assert.equal(pciDisablePasid(p, EMPTY, 'vf').pci, EMPTY);
    assert.match(pciDisablePasid(p, EMPTY, 'ep').trace[0].detail, /WARN/);
    const on = pciEnablePasid(p, EMPTY, 'ep', 0);
    assert.equal(pciDevState(pciDisablePasid(p, on.pci, 'ep').pci, 'ep').pasidEnabled, false);
  });
  it('R1.29 max PASIDs = 2^width (PF for a VF); -EINVAL without capability; features mask', () => {
    const p = plat();
    assert.equal(pciMaxPasids(p, 'ep'), 65536);
    assert.equal(pciMaxPasids(p, 'vf'), 65536);
    assert.equal(pciMaxPasids(p, 'plain'), 'EINVAL');
    assert.equal(pciPasidFeatures(p, 'vf'), EXEC);
    assert.equal(pciPasidFeatures(p, 'plain'), 'EINVAL');
  });
});

describe('golden scenarios (reference §10)', () => {
  it('13. pci_enable_pasid: no End-End TLP prefix and no quirk -> -EINVAL; ACS RR/UF missing -> -EINVAL', () => {
    assert.equal(pciEnablePasid(plat({ rpEetlp: false }), EMPTY, 'ep', 0).ret, 'EINVAL');
    assert.equal(pciEnablePasid(plat({ rpAcs: false }), EMPTY, 'ep', 0).ret, 'EINVAL');
  });
  it('14. pci_reset_pri while enabled -> WARN, -EBUSY; pci_enable_pri with Stopped = 0 -> -EBUSY', () => {
    const p = plat();
    const on = pciEnablePri(p, EMPTY, 'ep', 8);
    const r = pciResetPri(p, on.pci, 'ep');
    assert.equal(r.ret, 'EBUSY');
    assert.match(r.trace[0].detail, /WARN/);
    assert.equal(pciEnablePri(plat({ stopped: false }), EMPTY, 'ep', 8).ret, 'EBUSY');
  });
});
