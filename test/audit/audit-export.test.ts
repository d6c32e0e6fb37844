// `dmagate audit --export-scenario`: the export of a fake tree loads back through loadScenario
// with the same topology, drivers, reserved regions and config bytes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runAudit } from '../../src/cli/audit.js';
import { buildConfigSpace } from '../../src/pci/builder.js';
import { loadScenario } from '../../src/platform/scenario.js';
import { exportScenario, inferIommu } from '../../src/platform/sysfs-export.js';
import { readSysfs } from '../../src/platform/sysfs-reader.js';
import { makeFakeSysfs } from '../support/fake-sysfs.js';

const out = mkdtempSync(join(tmpdir(), 'dmagate-export-'));
const t = makeFakeSysfs({
  iommuUnits: ['dmar0'],
  cmdline: 'root=/dev/vda iommu.strict=maybe pci=noats',
  groups: [
    { id: 1, type: 'DMA' },
    { id: 2, type: 'DMA', reservedRegions: '0x00000000c0000000 0x00000000c0ffffff direct\n' },
    { id: 3, type: 'DMA' },
    { id: 4, type: 'DMA' },
    { id: 5, type: 'DMA' },
  ],
  fns: [
    // Listed children-first on purpose: the export must put parents and PFs first.
    { name: '0000:01:00.1', physfn: '0000:01:00.0', config: buildConfigSpace({ ats: true }).bytes, driver: 'vfio-pci', group: 3 },
    { name: '0000:01:00.0', parent: '0000:00:01.0', config: buildConfigSpace({ cxl: { cache: true }, ats: { enabled: true }, sriov: { totalVfs: 1, numVfs: 1, enabled: true }, msix: true }).bytes, driver: 'cxl_accel', group: 2 },
    { name: '0000:00:01.0', config: buildConfigSpace({ type: 'root-port', secondaryBus: 1 }).bytes, driver: 'pcieport', group: 1 },
    { name: '0000:00:02.0', config: buildConfigSpace({ type: 'root-port', secondaryBus: 2 }).bytes, driver: 'pcieport', group: 4 },
    { name: '0000:02:00.0', parent: '0000:00:02.0', config: buildConfigSpace({ ats: true }).bytes.slice(0, 64), removable: 'removable', group: 5 },
    { name: '0000:00:03.0', config: null, vendor: 0x8086, device: 0x1111, classCode: 0x030000 },
  ],
});
after(() => {
  t.cleanup();
  rmSync(out, { recursive: true, force: true });
});

describe('export as a scenario', () => {
  const file = join(out, 'host.yaml');
  const r = runAudit({ sysfs: t.root, exportScenario: file, failOn: 'never' }); // findings are not this test's subject

  it('writes the YAML and the adjacent dump, and says so', () => {
    assert.equal(r.code, 0, r.text);
    assert.match(r.text, /scenario written to/);
    assert.match(readFileSync(join(out, 'host.lspci.txt'), 'utf8'), /^0000:00:01\.0 /m);
  });

  const loaded = loadScenario(readFileSync(file, 'utf8'), file);
  it('loads back without errors', () => {
    assert.equal(loaded.errors, undefined, JSON.stringify(loaded.errors, null, 1));
  });

  const p = loaded.scenario?.platform;
  const dev = (n: string) => {
    const d = p?.devices.find((x) => x.name === n);
    assert.ok(d, `${n} exported`);
    return d;
  };

  it('keeps the vendor from sys/class/iommu and the readable command line', () => {
    assert.equal(p?.iommu, 'intel');
    assert.equal(p?.cmdline.noats, true);
    assert.doesNotMatch(p?.cmdline.raw ?? '', /iommu\.strict=maybe/);
  });

  it('enumeration order: parents and PFs first; topology preserved', () => {
    const names = p?.devices.map((d) => d.name) ?? [];
    assert.ok(names.indexOf('00:01.0') < names.indexOf('01:00.0'));
    assert.ok(names.indexOf('01:00.0') < names.indexOf('01:00.1'));
    assert.equal(dev('01:00.0').parent, '00:01.0');
    assert.equal(dev('01:00.1').physfn, '01:00.0');
    assert.equal(dev('01:00.1').parent, '00:01.0');
    assert.equal(dev('00:01.0').parent, null);
  });

  it('config bytes round-trip through the dump: ATS enable, SR-IOV, CXL DVSEC', () => {
    const pf = dev('01:00.0').config;
    assert.equal(pf.ats?.enabled, true);
    assert.equal(pf.sriov?.totalVfs, 1);
    assert.equal(pf.dvsecs.find((d) => d.id === 0)?.cxlDevice?.cacheCapable, true);
    assert.ok(dev('01:00.1').config.ats);
  });

  it('drivers with their DMA modes (vfio-pci manual, pcieport no-dma)', () => {
    assert.deepEqual(dev('01:00.1').driver, { name: 'vfio-pci', dmaMode: 'manual', usesMsi: false });
    assert.equal(dev('00:01.0').driver?.dmaMode, 'no-dma');
    assert.equal(dev('01:00.0').driver?.dmaMode, 'normal');
    assert.equal(dev('02:00.0').driver, null);
  });

  it('the group\'s direct region lands on its member (inclusive end -> size)', () => {
    assert.deepEqual(dev('01:00.0').reservedRegions.map((x) => [x.type, x.base, x.size]), [['direct', 0xc0000000n, 0x1000000n]]);
  });

  it('a removable device marks its root port external-facing (approximation)', () => {
    assert.equal(dev('00:02.0').externalFacing, true);
    assert.equal(dev('00:01.0').externalFacing, false);
  });

  it('a 64-byte config exports its header; an unreadable one its sysfs identity', () => {
    assert.equal(dev('02:00.0').config.header?.vendorId, 0x1234);
    assert.equal(dev('02:00.0').config.ats, undefined);
    assert.equal(dev('00:03.0').config.header?.vendorId, 0x8086);
    assert.equal(dev('00:03.0').config.header?.deviceId, 0x1111);
  });
});

describe('export details', () => {
  it('infers the IOMMU vendor from the unit names', () => {
    assert.equal(inferIommu(['dmar0', 'dmar1']), 'intel');
    assert.equal(inferIommu(['ivhd0']), 'amd');
    assert.equal(inferIommu(['smmu3.0x0000000009050000']), 'arm-smmu-v3');
    assert.equal(inferIommu([]), null);
  });

  it('no IOMMU: a vendor is still written, with a warning; --iommu overrides', () => {
    const n = makeFakeSysfs({ fns: [{ name: '0000:00:01.0', config: buildConfigSpace({}).bytes }] });
    try {
      const host = readSysfs(n.root);
      const x = exportScenario(host, { dumpFile: 'x.lspci.txt' });
      assert.ok(x.warnings.some((w) => /no IOMMU/.test(w)));
      assert.match(x.yaml, /^ {2}iommu: intel$/m);
      assert.match(exportScenario(host, { dumpFile: 'x.lspci.txt', iommu: 'amd' }).yaml, /^ {2}iommu: amd$/m);
    } finally {
      n.cleanup();
    }
  });

  it('refuses to write the export under the sysfs tree, and rejects an unknown --iommu', () => {
    assert.equal(runAudit({ sysfs: t.root, exportScenario: join(t.root, 'sys', 'x.yaml') }).code, 2);
    assert.equal(runAudit({ sysfs: t.root, exportScenario: join(out, 'y.yaml'), iommu: 'via' }).code, 2);
  });
});

describe('export: the events reproduce the host as it is (issue 12)', () => {
  const file = join(out, 'present.yaml');
  runAudit({ sysfs: t.root, exportScenario: file });
  const sc = loadScenario(readFileSync(file, 'utf8'), file).scenario;
  it('probes every function in enumeration order, binds a PF before its VFs are probed, then the other drivers', async () => {
    assert.ok(sc);
    const { formatEvent } = await import('../../src/kernel/types.js');
    // drivers/pci/probe.c pci_scan_child_bus_extend: every slot of a bus is added first, then
    // the bridges' buses are scanned; a VF exists only once its PF's driver enabled SR-IOV
    assert.deepEqual(sc.events.map(formatEvent), [
      'probe(00:01.0)',
      'probe(00:02.0)',
      'probe(00:03.0)',
      'probe(01:00.0)',
      'bind(01:00.0)',
      'probe(01:00.1)',
      'probe(02:00.0)',
      'bind(00:01.0)',
      'bind(00:02.0)',
      'vfio-bind(01:00.1)',
    ]);
  });
  it('every event is possible where it stands, and `run` ends with the host\'s drivers bound', async () => {
    assert.ok(sc);
    const { kernelModel } = await import('../../src/kernel/model.js');
    const { eventGuard } = await import('../../src/kernel/enabled.js');
    let s = kernelModel.init(sc.platform, sc.variant);
    for (const e of sc.events) {
      assert.equal(eventGuard(sc.platform, sc.variant, s, e), true, JSON.stringify(e));
      s = kernelModel.step(sc.platform, sc.variant, s, e).state;
    }
    const o = kernelModel.observe(sc.platform, sc.variant, s).devices;
    assert.deepEqual(
      Object.fromEntries(Object.entries(o).map(([n, d]) => [n, d.driver])),
      { '00:01.0': 'pcieport', '01:00.0': 'cxl_accel', '01:00.1': 'vfio-pci', '00:02.0': 'pcieport', '02:00.0': null, '00:03.0': null },
    );
  });
});
