// R2.1–R2.4 (untrusted, removable, tunneled) and golden scenario 38 (reference §10).
// Expectations from the rule text and from arch/x86/pci/acpi.c: pcie_switch_directly_under.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pciTopology } from '../../../src/kernel/pci/trust.js';
import { dev, platform, rp } from './fixture.js';

/** A laptop: rp-ext is an ExternalFacingPort root port with a discrete Thunderbolt
 * controller (switch tbt-usp -> tbt-dsp0/1, NHI under dsp0); a dock with its own switch
 * is plugged in through the tunnel on dsp1; an eGPU sits under the dock. */
function laptop() {
  return platform([
    rp('rp-ext', '00:07.0', { externalFacing: true }),
    dev('tbt-usp', '01:00.0', { parent: 'rp-ext', type: 'upstream-port' }),
    dev('tbt-dsp0', '02:00.0', { parent: 'tbt-usp', type: 'downstream-port' }),
    dev('tbt-dsp1', '02:01.0', { parent: 'tbt-usp', type: 'downstream-port' }),
    dev('tbt-nhi', '03:00.0', { parent: 'tbt-dsp0', type: 'endpoint' }),
    dev('dock-usp', '04:00.0', { parent: 'tbt-dsp1', type: 'upstream-port' }),
    dev('dock-dsp', '05:00.0', { parent: 'dock-usp', type: 'downstream-port' }),
    dev('egpu', '06:00.0', { parent: 'dock-dsp', ats: {}, sriov: { totalVfs: 1 } }),
    dev('egpu-vf', '06:00.1', { parent: 'dock-dsp', physfn: 'egpu', ats: {} }),
    rp('rp-int', '00:01.0'),
    dev('nvme', '10:00.0', { parent: 'rp-int' }),
    dev('rciep', '00:02.0', { type: 'rc-integrated-endpoint' }),
  ]);
}

describe('trust derivation (R2.1–R2.4, v6.13+ x86 form)', () => {
  it('R2.1 external_facing only on a Root Port with the firmware property', () => {
    const p = platform([
      rp('rp', '00:01.0', { externalFacing: true }),
      dev('usp', '01:00.0', { parent: 'rp', type: 'upstream-port' }),
      dev('dsp', '02:00.0', { parent: 'usp', type: 'downstream-port', externalFacing: true }),
    ]);
    const t = pciTopology(p);
    assert.equal(t.externalFacing['rp'], true);
    assert.equal(t.externalFacing['dsp'], false);
  });
  it('R2.2 no upstream bridge: trusted (even an external-facing root port itself)', () => {
    const t = pciTopology(laptop());
    assert.equal(t.untrusted['rp-ext'], false);
    assert.equal(t.untrusted['rciep'], false);
  });
  it('R2.2 untrust is inherited downwards (VFs through their PF\'s upstream bridge)', () => {
    const t = pciTopology(laptop());
    assert.equal(t.untrusted['dock-dsp'], true);
    assert.equal(t.untrusted['egpu'], true);
    assert.equal(t.untrusted['egpu-vf'], true);
  });
  it('R2.2 devices under an internal root port are trusted', () => {
    const t = pciTopology(laptop());
    assert.equal(t.untrusted['nvme'], false);
    assert.equal(t.tunneled['nvme'], false);
  });
  it('R2.3b the switch directly under the external root port is not tunneled: USP, its DSPs, endpoints under those', () => {
    const t = pciTopology(laptop());
    for (const n of ['tbt-usp', 'tbt-dsp0', 'tbt-dsp1', 'tbt-nhi']) assert.equal(t.tunneled[n], false, n);
    assert.equal(t.tunneled['dock-usp'], true);
  });
  it('R2.3b an endpoint directly under the external root port is tunneled', () => {
    const p = platform([rp('rp', '00:01.0', { externalFacing: true }), dev('ep', '01:00.0', { parent: 'rp' })]);
    assert.equal(pciTopology(p).tunneled['ep'], true);
    assert.equal(pciTopology(p).untrusted['ep'], true);
  });
  it('R2.3a behind a usb4-host-interface bridge: tunneled even where the switch rule would trust it', () => {
    const p = platform([
      rp('rp-usb4', '00:0d.0', { externalFacing: true, usb4HostInterface: true }),
      dev('usp', '01:00.0', { parent: 'rp-usb4', type: 'upstream-port' }),
    ]);
    assert.equal(pciTopology(p).tunneled['usp'], true);
  });
  it('R2.3a Intel integrated TBT root-port ids (Tiger Lake 0x9a23) count as usb4 host interfaces', () => {
    const mk = (device: number) =>
      platform([
        rp('rp', '00:07.0', { externalFacing: true, vendor: 0x8086, device }),
        dev('usp', '01:00.0', { parent: 'rp', type: 'upstream-port' }),
      ]);
    assert.equal(pciTopology(mk(0x9a23)).tunneled['usp'], true);
    assert.equal(pciTopology(mk(0x8a1d)).tunneled['usp'], true);
    assert.equal(pciTopology(mk(0x9a33)).tunneled['usp'], false);
  });
  it('R2.3 a root port that is not external-facing never tunnels', () => {
    const p = platform([rp('rp', '00:01.0', { usb4HostInterface: true }), dev('ep', '01:00.0', { parent: 'rp' })]);
    assert.equal(pciTopology(p).tunneled['ep'], false);
  });
  it('R2.4 removable: inherited from the parent, or tunneled', () => {
    const t = pciTopology(laptop());
    assert.equal(t.removable['tbt-usp'], false);
    assert.equal(t.removable['dock-usp'], true);
    assert.equal(t.removable['egpu'], true);
    assert.equal(t.removable['nvme'], false);
  });
  it('topology facts: root port (itself for a root port), VF, bridge', () => {
    const t = pciTopology(laptop());
    assert.equal(t.rootPort['egpu'], 'rp-ext');
    assert.equal(t.rootPort['rp-ext'], 'rp-ext');
    assert.equal(t.rootPort['rciep'], null);
    assert.equal(t.isVf['egpu-vf'], true);
    assert.equal(t.isVf['egpu'], false);
    assert.equal(t.isBridge['tbt-dsp0'], true);
    assert.equal(t.isBridge['egpu'], false);
  });
  it('memoised per Platform', () => {
    const p = laptop();
    assert.equal(pciTopology(p), pciTopology(p));
  });
});

describe('kernel-source variants of the trust rule', () => {
  it('arch arm64: arch_pci_dev_is_removable is a stub returning false, so nothing is untrusted', () => {
    const t = pciTopology(laptop(), { arch: 'arm64' });
    assert.equal(t.untrusted['egpu'], false);
    assert.equal(t.removable['dock-usp'], false);
  });
  it('pre-v6.13: everything below an external-facing root port is untrusted and removable', () => {
    const t = pciTopology(laptop(), { form: 'pre-v6.13' });
    assert.equal(t.untrusted['tbt-usp'], true);
    assert.equal(t.untrusted['tbt-nhi'], true);
    assert.equal(t.removable['tbt-usp'], true);
    assert.equal(t.untrusted['nvme'], false);
  });
});

describe('golden scenarios (reference §10)', () => {
  it('38. discrete built-in TBT controller directly under an ExternalFacingPort root port: trusted, fixed; devices below it: untrusted, removable', () => {
    const t = pciTopology(laptop());
    for (const n of ['tbt-usp', 'tbt-dsp0', 'tbt-dsp1', 'tbt-nhi']) {
      assert.equal(t.untrusted[n], false, `${n} trusted`);
      assert.equal(t.removable[n], false, `${n} fixed`);
    }
    for (const n of ['dock-usp', 'dock-dsp', 'egpu']) {
      assert.equal(t.untrusted[n], true, `${n} untrusted`);
      assert.equal(t.removable[n], true, `${n} removable`);
    }
  });
});
