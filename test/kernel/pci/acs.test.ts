// drivers/pci/pci.c: pci_acs_enabled / pci_acs_flags_enabled / pci_acs_path_enabled, the ACS
// reads behind R1.26 step 5 and R3.1–R3.3. Expectations from the kernel source (see the
// header of src/kernel/pci/acs.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pciAcsEffectiveCtrl, pciAcsEnabled, pciAcsPathEnabled, pciAcsTranslationBlockedAt, REQ_ACS_FLAGS } from '../../../src/kernel/pci/acs.js';
import { ACS } from '../../../src/pci/types.js';
import { ACS_ISOLATED, pciFn } from '../../support/pcifn.js';
import { dev, platform, rp } from './fixture.js';

describe('pci_acs_enabled', () => {
  it('R3.1 REQ_ACS_FLAGS = SV | RR | CR | UF', () => assert.equal(REQ_ACS_FLAGS, 0x1d));
  it('root/downstream port: no ACS capability -> false; SV|RR|CR|UF enabled -> true', () => {
    const p = platform([dev('rp0', '00:01.0', { type: 'root-port', acs: false }), rp('rp1', '00:02.0'), dev('dsp', '03:00.0', { parent: 'rp1', type: 'downstream-port', acs: false })]);
    assert.equal(pciAcsEnabled(p, 'rp0', REQ_ACS_FLAGS), false);
    assert.equal(pciAcsEnabled(p, 'rp1', REQ_ACS_FLAGS), true);
    assert.equal(pciAcsEnabled(p, 'dsp', REQ_ACS_FLAGS), false);
  });
  it('pci_std_enable_acs: bits the capability offers are enabled by the kernel even if the dump shows them off', () => {
    const p = platform([rp('rp', '00:01.0', { acs: { cap: 0x1f, ctrl: 0 } })]);
    assert.equal(pciAcsEnabled(p, 'rp', REQ_ACS_FLAGS), true);
  });
  it('pci_acs_flags_enabled: flags the capability does not offer count as hard-wired', () => {
    const p = platform([rp('rp', '00:01.0', { acs: { cap: ACS.SV | ACS.RR, ctrl: 0 } })]);
    assert.equal(pciAcsEnabled(p, 'rp', REQ_ACS_FLAGS), true);
  });
  it('single-function endpoint / upstream port / RCiEP: true without ACS', () => {
    const p = platform([
      rp('rp', '00:01.0'),
      dev('ep', '01:00.0', { parent: 'rp' }),
      rp('rp2', '00:02.0'),
      dev('usp', '02:00.0', { parent: 'rp2', type: 'upstream-port' }),
      dev('rciep', '00:03.0', { type: 'rc-integrated-endpoint' }),
    ]);
    for (const n of ['ep', 'usp', 'rciep']) assert.equal(pciAcsEnabled(p, n, REQ_ACS_FLAGS), true, n);
  });
  it('multifunction endpoint: needs its own ACS', () => {
    const p = platform([
      rp('rp', '00:01.0'),
      dev('f0', '01:00.0', { parent: 'rp', multifunction: true }),
      dev('f1', '01:00.1', { parent: 'rp', multifunction: true, acs: ACS_ISOLATED }),
    ]);
    assert.equal(pciAcsEnabled(p, 'f0', REQ_ACS_FLAGS), false);
    assert.equal(pciAcsEnabled(p, 'f1', REQ_ACS_FLAGS), true);
  });
  it('PCIe-to-PCI bridges, RC event collectors and conventional PCI functions: false', () => {
    const conv = { ...pciFn({ bdf: '02:00.0' }), pcie: undefined };
    const p = platform([
      rp('rp', '00:01.0'),
      dev('br', '01:00.0', { parent: 'rp', type: 'pcie-to-pci-bridge', bridge: true, acs: ACS_ISOLATED }),
      dev('conv', '02:00.0', { parent: 'br', config: conv }),
      dev('rcec', '00:04.0', { type: 'rc-event-collector', acs: ACS_ISOLATED }),
    ]);
    for (const n of ['br', 'conv', 'rcec']) assert.equal(pciAcsEnabled(p, n, REQ_ACS_FLAGS), false, n);
  });
});

describe('pci_acs_path_enabled', () => {
  const sw = (dspAcs: boolean) =>
    platform([
      rp('rp', '00:01.0'),
      dev('usp', '01:00.0', { parent: 'rp', type: 'upstream-port' }),
      dev('dsp', '02:00.0', { parent: 'usp', type: 'downstream-port', acs: dspAcs ? ACS_ISOLATED : false }),
      dev('ep', '03:00.0', { parent: 'dsp' }),
    ]);
  it('every function up to the root bus must pass', () => {
    assert.equal(pciAcsPathEnabled(sw(true), 'dsp', null, REQ_ACS_FLAGS), true);
    assert.equal(pciAcsPathEnabled(sw(false), 'dsp', null, REQ_ACS_FLAGS), false);
    assert.equal(pciAcsPathEnabled(sw(false), 'ep', null, REQ_ACS_FLAGS), false);
  });
  it('stops at `end` (true) or at the root bus (end must be NULL)', () => {
    assert.equal(pciAcsPathEnabled(sw(true), 'ep', 'usp', REQ_ACS_FLAGS), true);
    assert.equal(pciAcsPathEnabled(sw(true), 'ep', 'elsewhere', REQ_ACS_FLAGS), false);
  });
});

describe('ACS Translation Blocking (R2.7a, pci_std_enable_acs)', () => {
  const mk = (noats = false) =>
    platform(
      [
        rp('rp-ext', '00:01.0', { externalFacing: true, acs: { cap: 0x1f, ctrl: 0 } }),
        dev('ext', '01:00.0', { parent: 'rp-ext', ats: {} }),
        rp('rp-int', '00:02.0', { acs: { cap: 0x1f, ctrl: 0 } }),
        dev('int', '02:00.0', { parent: 'rp-int', ats: {} }),
        dev('rp-noacs', '00:03.0', { type: 'root-port', acs: false, externalFacing: true }),
        dev('ext2', '03:00.0', { parent: 'rp-noacs', ats: {} }),
      ],
      { noats },
    );
  it('external-facing port with ACS: TB set, the device below is blocked there', () => {
    assert.equal(pciAcsEffectiveCtrl(mk(), 'rp-ext'), 0x1f);
    assert.equal(pciAcsTranslationBlockedAt(mk(), 'ext'), 'rp-ext');
  });
  it('internal port: SV|RR|CR|UF only, no TB', () => {
    assert.equal(pciAcsEffectiveCtrl(mk(), 'rp-int'), 0x1d);
    assert.equal(pciAcsTranslationBlockedAt(mk(), 'int'), null);
  });
  it('pci=noats: TB on every port with ACS', () => {
    assert.equal(pciAcsTranslationBlockedAt(mk(true), 'int'), 'rp-int');
  });
  it('a port without ACS cannot block', () => {
    assert.equal(pciAcsEffectiveCtrl(mk(), 'rp-noacs'), null);
    assert.equal(pciAcsTranslationBlockedAt(mk(), 'ext2'), null);
  });
});
