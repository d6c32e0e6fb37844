// dmagate audit on fake sysfs trees built from the synthetic builder. Expectations come from
// the reference rules (linux-ats-iommu.md R1.1/R1.4/R2.2/R2.4/R2.5/R4.12/R4.13/R5.x/D2, §7.1
// P1–P5), not from our output.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { buildConfigSpace, type SyntheticDeviceSpec } from '../../src/pci/builder.js';
import { auditHost, NO_IOMMU_TEXT, type AuditReport, type FindingId } from '../../src/platform/sysfs-audit.js';
import { readSysfs } from '../../src/platform/sysfs-reader.js';
import { makeFakeSysfs, type FakeTree, type FakeTreeSpec } from '../support/fake-sysfs.js';

const trees: FakeTree[] = [];
after(() => trees.forEach((t) => t.cleanup()));

function audit(spec: FakeTreeSpec, uid: number | null = 0): AuditReport {
  const t = makeFakeSysfs(spec);
  trees.push(t);
  return auditHost(readSysfs(t.root, { uid }));
}
const cfg = (s: SyntheticDeviceSpec): Uint8Array => buildConfigSpace(s).bytes;
const ids = (r: AuditReport, dev: string | null): FindingId[] => r.findings.filter((f) => f.device === dev).map((f) => f.id).sort();
const fn = (r: AuditReport, name: string) => {
  const f = r.functions.find((x) => x.name === name);
  assert.ok(f, `${name} listed`);
  return f;
};

const RP = '0000:00:01.0';
const EP = '0000:01:00.0';
const rootPort = { name: RP, config: cfg({ type: 'root-port', secondaryBus: 1 }), driver: 'pcieport', group: 1 };

describe('audit: ATS against the group type', () => {
  const rep = audit({
    iommuUnits: ['dmar0'],
    groups: [{ id: 1, type: 'DMA' }, { id: 2, type: 'identity' }, { id: 3, type: 'DMA' }, { id: 4, type: 'blocked' }],
    fns: [
      rootPort,
      { name: EP, parent: RP, config: cfg({ ats: { enabled: true } }), driver: 'nic', group: 2 },
      { name: '0000:01:00.1', parent: RP, config: cfg({ ats: { enabled: true } }), driver: 'nic', group: 3 },
      { name: '0000:01:00.2', parent: RP, config: cfg({ ats: { enabled: true } }), group: 4 },
      { name: '0000:01:00.3', parent: RP, config: cfg({ ats: true }), group: 2 },
    ],
  });

  it('reads topology, drivers and groups from the links', () => {
    assert.equal(rep.iommu.present, true);
    const ep = fn(rep, EP);
    assert.equal(ep.parent, RP);
    assert.equal(ep.driver, 'nic');
    assert.equal(ep.group, 2);
    assert.equal(ep.groupType, 'identity');
    assert.deepEqual(ep.ats, { present: true, enabled: true });
    assert.equal(fn(rep, RP).parent, null);
    assert.equal(fn(rep, RP).kind, 'root-port');
  });

  it('ATS enabled while the group is identity -> ats-enabled-identity (D2)', () => {
    assert.deepEqual(ids(rep, EP), ['ats-enabled-identity']);
    const f = rep.findings.find((x) => x.id === 'ats-enabled-identity');
    assert.match(f?.rule ?? '', /D2/);
  });

  it('ATS enabled under a DMA domain is the normal case: no finding', () => {
    assert.deepEqual(ids(rep, '0000:01:00.1'), []);
  });

  it('ATS enabled while the group is blocked -> ats-enabled-blocked, high (D2)', () => {
    assert.deepEqual(ids(rep, '0000:01:00.2'), ['ats-enabled-blocked']);
    assert.equal(rep.findings.find((x) => x.id === 'ats-enabled-blocked')?.severity, 'high');
  });

  it('ATS present but disabled under identity: no finding', () => {
    assert.deepEqual(fn(rep, '0000:01:00.3').ats, { present: true, enabled: false });
    assert.deepEqual(ids(rep, '0000:01:00.3'), []);
  });
});

describe('audit: untrusted-looking devices (removable approximates untrusted, R2.2/R2.4)', () => {
  const rep = audit({
    iommuUnits: ['dmar0'],
    groups: [{ id: 1, type: 'DMA' }, { id: 2, type: 'DMA' }, { id: 3, type: 'DMA' }],
    fns: [
      rootPort,
      { name: EP, parent: RP, config: cfg({ ats: { enabled: true }, cxl: { cache: true } }), removable: 'removable', group: 2 },
      // Below a removable bridge: untrust is inherited downwards (R2.2).
      { name: '0000:02:00.0', parent: RP, config: cfg({ type: 'upstream-port' }), removable: 'removable', group: 3 },
      { name: '0000:03:00.0', parent: '0000:02:00.0', config: cfg({ ats: { enabled: true } }), group: 3 },
    ],
  });

  it('removable device with ATS enabled -> untrusted-ats-enabled (R1.4, R2.5)', () => {
    const ep = fn(rep, EP);
    assert.equal(ep.untrustedApprox, true);
    assert.match(ep.untrustedWhy, /approximation/);
    assert.ok(ids(rep, EP).includes('untrusted-ats-enabled'));
    assert.match(rep.findings.find((x) => x.device === EP && x.id === 'untrusted-ats-enabled')?.rule ?? '', /R1\.4/);
  });

  it('an untrusted device is never always-on, even CXL.cache capable (P2)', () => {
    assert.equal(fn(rep, EP).alwaysOn?.value, false);
    assert.equal(fn(rep, EP).alwaysOn?.rule, 'P2');
  });

  it('below a removable bridge the device inherits the approximation', () => {
    assert.equal(fn(rep, '0000:03:00.0').untrustedApprox, true);
    assert.ok(ids(rep, '0000:03:00.0').includes('untrusted-ats-enabled'));
  });

  it('a fixed root port is not untrusted-looking', () => {
    assert.equal(fn(rep, RP).untrustedApprox, false);
  });
});

describe('audit: CXL.cache PF with SR-IOV and its VFs (P2, P3, P5)', () => {
  const PF = '0000:01:00.0';
  const rep = audit({
    iommuUnits: ['smmu3.0x0000000009050000'],
    groups: [{ id: 1, type: 'DMA' }, { id: 2, type: 'DMA' }, { id: 3, type: 'DMA' }, { id: 4, type: 'DMA' }],
    fns: [
      rootPort,
      { name: PF, parent: RP, config: cfg({ cxl: { cache: true, mem: true }, ats: { enabled: true }, sriov: { totalVfs: 2, numVfs: 2, enabled: true } }), driver: 'cxl_accel', group: 2, sriovNumvfs: 2, sriovTotalvfs: 2 },
      { name: '0000:01:00.1', physfn: PF, config: cfg({ ats: true }), group: 3 },
      { name: '0000:01:00.2', physfn: PF, config: cfg({}), group: 4 },
    ],
  });

  it('links: physfn and virtfnN; a VF sits beside its PF (same upstream bridge)', () => {
    const pf = fn(rep, PF);
    assert.deepEqual(pf.virtfns, ['0000:01:00.1', '0000:01:00.2']);
    assert.equal(pf.sriovNumvfs, 2);
    assert.equal(pf.sriovTotalvfs, 2);
    const vf = fn(rep, '0000:01:00.1');
    assert.equal(vf.isVf, true);
    assert.equal(vf.physfn, PF);
    assert.equal(vf.parent, RP);
  });

  it('the PF is CXL.cache capable and always-on by P5', () => {
    assert.deepEqual(fn(rep, PF).cxl, { cache: true, mem: true, io: true });
    assert.equal(fn(rep, PF).alwaysOn?.value, true);
    assert.equal(fn(rep, PF).alwaysOn?.rule, 'P5');
  });

  it('a VF with its own ATS capability inherits the PF requirement: always-on true (P3 -> P5 on the PF)', () => {
    const ao = fn(rep, '0000:01:00.1').alwaysOn;
    assert.equal(ao?.value, true);
    assert.equal(ao?.rule, 'P5');
    assert.match(ao?.why ?? '', /PF/);
  });

  it('a VF without ATS is not always-on: P2 runs on the VF itself', () => {
    const ao = fn(rep, '0000:01:00.2').alwaysOn;
    assert.equal(ao?.value, false);
    assert.equal(ao?.rule, 'P2');
  });

  it('CXL.cache with ATS off (or absent) -> cxl-cache-no-ats on the VFs, not on the PF with ATS on', () => {
    assert.deepEqual(ids(rep, PF), []);
    assert.ok(ids(rep, '0000:01:00.1').includes('cxl-cache-no-ats'));
    assert.ok(ids(rep, '0000:01:00.2').includes('cxl-cache-no-ats'));
    assert.match(rep.findings.find((x) => x.device === '0000:01:00.2')?.message ?? '', /no ATS capability/);
  });
});

describe('audit: pci=noats (R1.1, P1)', () => {
  const rep = audit({
    cmdline: 'root=/dev/sda1 pci=realloc,noats quiet',
    iommuUnits: ['dmar0'],
    groups: [{ id: 1, type: 'DMA' }, { id: 2, type: 'DMA' }],
    fns: [rootPort, { name: EP, parent: RP, config: cfg({ cxl: { cache: true }, ats: true }), group: 2 }],
  });
  it('noats is read from proc/cmdline and makes always-on false by P1', () => {
    assert.equal(rep.cmdline.noats, true);
    assert.equal(fn(rep, EP).alwaysOn?.rule, 'P1');
    assert.equal(fn(rep, EP).alwaysOn?.value, false);
  });
});

describe('audit: no IOMMU', () => {
  const rep = audit({ fns: [{ name: RP, config: rootPort.config, driver: 'pcieport' }, { name: EP, parent: RP, config: cfg({ ats: true }) }] });
  it('says so plainly, once, at host level', () => {
    assert.equal(rep.iommu.present, false);
    assert.equal(rep.iommu.summary, NO_IOMMU_TEXT);
    assert.match(NO_IOMMU_TEXT, /no IOMMU: DMA is not translated; every device can reach all memory/);
    assert.deepEqual(ids(rep, null), ['no-iommu']);
    assert.equal(rep.findings.filter((x) => x.id === 'no-iommu-group').length, 0);
    assert.equal(fn(rep, EP).group, null);
  });
});

describe('audit: IOMMU present but a device without a group', () => {
  const rep = audit({ iommuUnits: ['dmar0'], groups: [{ id: 1, type: 'DMA' }], fns: [rootPort, { name: EP, parent: RP, config: cfg({}) }] });
  it('-> no-iommu-group on that device only', () => {
    assert.deepEqual(ids(rep, EP), ['no-iommu-group']);
    assert.deepEqual(ids(rep, RP), []);
  });
});

describe('audit: reserved regions (R4.12, R4.13)', () => {
  const rep = audit({
    iommuUnits: ['dmar0'],
    groups: [
      { id: 1, type: 'DMA' },
      { id: 2, type: 'DMA', reservedRegions: '0x000000007b800000 0x000000007fffffff direct\n0x00000000fee00000 0x00000000feefffff msi\n' },
      { id: 3, type: 'DMA', reservedRegions: '0x00000000000a0000 0x00000000000bffff direct-relaxable\nnonsense line\n' },
    ],
    fns: [rootPort, { name: EP, parent: RP, config: cfg({}), group: 2 }, { name: '0000:01:00.1', parent: RP, config: cfg({}), group: 3 }],
  });
  it('parses start/end (inclusive) and type; direct ones flagged', () => {
    assert.deepEqual(fn(rep, EP).reservedRegions, [
      { type: 'direct', start: '0x000000007b800000', end: '0x000000007fffffff', direct: true },
      { type: 'msi', start: '0x00000000fee00000', end: '0x00000000feefffff', direct: false },
    ]);
  });
  it('a direct region -> direct-region for the group; direct-relaxable does not set require_direct', () => {
    const d = rep.findings.filter((x) => x.id === 'direct-region');
    assert.equal(d.length, 1);
    assert.equal(d[0].group, 2);
    assert.equal(d[0].device, EP);
    assert.match(d[0].rule, /R4\.13/);
  });
  it('an unparsable line is a note, the rest still parsed', () => {
    assert.equal(fn(rep, '0000:01:00.1').reservedRegions.length, 1);
    assert.ok(rep.notes.some((n) => n.code === 'BAD_VALUE' && n.path.endsWith('iommu_groups/3/reserved_regions')));
  });
});

describe('audit: multi-device groups (R3.8, R6.2, R6.4)', () => {
  const spec = (unit: string): FakeTreeSpec => ({
    iommuUnits: [unit],
    groups: [{ id: 9, type: 'DMA' }],
    fns: [
      { name: RP, config: rootPort.config, driver: 'pcieport', group: 9 },
      { name: EP, parent: RP, config: cfg({ msix: true }), driver: 'vfio-pci', group: 9 },
    ],
  });
  it('a group of two -> shared-group (info) naming both members', () => {
    const rep = audit(spec('dmar0'));
    const g = rep.findings.filter((x) => x.id === 'shared-group');
    assert.equal(g.length, 1);
    assert.equal(g[0].group, 9);
    assert.equal(g[0].severity, 'info');
    assert.match(g[0].message, /0000:00:01\.0.*0000:01:00\.0/);
    assert.equal(rep.findings.filter((x) => x.id === 'vfio-group-with-port-msi').length, 0);
    assert.equal(rep.iommu.vendor, 'intel');
  });
  it('on SMMUv3, vfio-pci sharing a group with a pcieport port -> vfio-group-with-port-msi (R6.4)', () => {
    const rep = audit(spec('smmu3.0x0000000009050000'));
    assert.equal(rep.iommu.vendor, 'arm-smmu-v3');
    const f = rep.findings.filter((x) => x.id === 'vfio-group-with-port-msi');
    assert.equal(f.length, 1);
    assert.match(f[0].rule, /R6\.4/);
  });
});

describe('audit: below an Intel integrated Thunderbolt root port (R2.3a)', () => {
  const TBT = '0000:00:07.0';
  const rep = audit({
    iommuUnits: ['dmar0'],
    groups: [{ id: 1, type: 'DMA' }, { id: 2, type: 'DMA' }, { id: 3, type: 'DMA' }],
    fns: [
      { name: TBT, config: cfg({ type: 'root-port', vendor: 0x8086, device: 0x9a23, secondaryBus: 1 }), driver: 'pcieport', group: 1 },
      { name: EP, parent: TBT, config: cfg({ ats: { enabled: true } }), group: 2 },
      { name: '0000:01:00.1', parent: TBT, config: cfg({ ats: { enabled: true } }), removable: 'fixed', group: 3 },
    ],
  });
  it('a device without a removable verdict looks untrusted', () => {
    assert.equal(fn(rep, EP).untrustedApprox, true);
    assert.match(fn(rep, EP).untrustedWhy, /Thunderbolt/);
    assert.ok(ids(rep, EP).includes('untrusted-ats-enabled'));
  });
  it('removable=fixed on the device wins; the port itself is not untrusted (no upstream bridge, R2.2)', () => {
    assert.equal(fn(rep, '0000:01:00.1').untrustedApprox, false);
    assert.equal(fn(rep, TBT).untrustedApprox, false);
  });
});
