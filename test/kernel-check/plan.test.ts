// The QEMU harness without QEMU: scenario → command line and guest script, the refusals for
// what QEMU cannot build, the initramfs archive, module ordering, and the serial parser.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { cpioNewc, cpioNewcGz } from '../../src/kernel-check/cpio.js';
import { guestInit } from '../../src/kernel-check/guest-script.js';
import { moduleOrder } from '../../src/kernel-check/host.js';
import { planRun, PlanError, profileForRelease } from '../../src/kernel-check/plan.js';
import { parseSerial } from '../../src/kernel-check/record.js';
import { loadScenario } from '../../src/platform/scenario.js';

const SC = join(import.meta.dirname, '..', '..', 'data', 'kernel', 'scenarios');

function load(text: string) {
  const r = loadScenario(text, 'inline.yaml');
  assert.ok(r.scenario, JSON.stringify(r.errors));
  return r.scenario;
}
const file = (n: string) => load(readFileSync(join(SC, n), 'utf8'));

function problems(text: string): string[] {
  try {
    planRun(load(text));
  } catch (e) {
    if (e instanceof PlanError) return [...e.problems];
    throw e;
  }
  return [];
}

const BASE = (iommu: string, features: string, ep: string, events: string) => `
platform:
  name: t
  iommu: ${iommu}
  features: { ${features} }
  devices:
    - { name: rp, bdf: "00:05.0", config: { type: root-port, caps: { acs: true } }, driver: { name: pcieport, dmaMode: no-dma } }
    - { name: ep, bdf: "01:00.0", parent: rp, config: ${ep}, driver: { name: virtio-pci } }
variant: profile=v6.1
events: [ ${events} ]
`;

describe('dmagate qemu: scenario → QEMU', () => {
  it('VT-d: features become intel-iommu options; ATS and page alignment become virtio options', () => {
    const p = planRun(file('vtd-sm-cm.yaml'));
    const argv = p.qemuArgs.join(' ');
    assert.match(argv, /-device intel-iommu,intremap=on,caching-mode=on,device-iotlb=on,x-scalable-mode=on/);
    assert.match(argv, /virtio-rng-pci,bus=rp1,disable-legacy=on,iommu_platform=on,ats=on( |$)/);
    assert.match(argv, /-device nvme,bus=rp2/);
    assert.match(p.kernelCmdline, /intel_iommu=on/); // Debian: CONFIG_INTEL_IOMMU_DEFAULT_ON is off
    assert.equal(p.bootEvents.length, 6);
    const legacy = planRun(file('vtd-legacy-pt.yaml'));
    assert.match(legacy.qemuArgs.join(' '), /x-scalable-mode=off/);
    assert.match(legacy.kernelCmdline, /iommu=pt/);
    const un = planRun(file('vtd-sm-unaligned.yaml'));
    assert.match(un.qemuArgs.join(' '), /ats=on,x-ats-page-aligned=off/);
  });
  it('AMD-Vi: amd-iommu with device-iotlb', () => {
    const p = planRun(file('amd.yaml'));
    assert.match(p.qemuArgs.join(' '), /-device amd-iommu,intremap=on,device-iotlb=on/);
  });
  it('what QEMU cannot build is refused, naming the device and why', () => {
    const pasid = problems(BASE('intel', 'intelFlts: false', '{ caps: { ats: true, pasid: true } }', '"probe(rp)", "probe(ep)", "bind(rp)"'));
    assert.ok(pasid.some((x) => /^ep \(01:00.0\): .*PASID/.test(x)), pasid.join('\n'));
    const flts = problems(BASE('intel', 'intelFlts: true', '{ caps: { ats: true } }', '"probe(rp)", "probe(ep)", "bind(rp)"'));
    assert.ok(flts.some((x) => /intelFlts/.test(x)), flts.join('\n'));
    const order = problems(BASE('intel', 'intelFlts: false', '{ caps: { ats: true } }', '"probe(rp)", "bind(rp)", "bind(ep)"'));
    assert.ok(order.some((x) => /enumerates every device while booting/.test(x)), order.join('\n'));
    const detach = problems(BASE('intel', 'intelFlts: false', '{ caps: { ats: true } }', '"probe(rp)", "probe(ep)", "bind(rp)", "vfio-bind(ep)", "vfio-attach(ep)", "vfio-detach(ep)"'));
    assert.ok(detach.some((x) => /vfio-detach.*legacy VFIO/.test(x)), detach.join('\n'));
    const amd = problems(BASE('amd', '', '{ caps: { ats: true } }', '"probe(rp)", "probe(ep)", "bind(rp)"'));
    assert.ok(amd.some((x) => /amdNpCache/.test(x)) && amd.some((x) => /amdGtPpr/.test(x)), amd.join('\n'));
  });
  it('the guest script performs each event through sysfs or VFIO and reports every step', () => {
    const p = planRun(file('vtd-sm-cm.yaml'));
    const s = guestInit(p);
    assert.match(s, /drivers\/vfio-pci\/bind/);
    assert.match(s, /set-container 4 3/);
    assert.match(s, /set-iommu 3/);
    assert.match(s, /iommu_groups\/\$G\/type identity/);
    assert.match(s, /iommu_groups\/\$G\/type DMA-FQ/);
    assert.equal((s.match(/^step \d+ /gm) ?? []).length, p.steps.length);
    assert.match(s, /driver_override dmagate-none/); // no driver binds an endpoint by itself
  });
  it('kernel release → model profile', () => {
    assert.equal(profileForRelease('6.1.0-57-amd64'), 'v6.1');
    assert.equal(profileForRelease('6.12.9-amd64'), 'v7.0');
  });
});

describe('dmagate qemu: initramfs and modules', () => {
  it('the newc archive lists what was put in (GNU cpio reads it, when installed)', () => {
    const a = cpioNewc([
      { kind: 'dir', path: 'bin' },
      { kind: 'file', path: 'bin/x', data: 'hello', mode: 0o755 },
      { kind: 'symlink', path: 'bin/y', target: 'x' },
      { kind: 'chardev', path: 'dev-console', major: 5, minor: 1 },
    ]);
    assert.equal(a.subarray(0, 6).toString(), '070701');
    assert.equal(a.length % 4, 0);
    assert.ok(a.includes(Buffer.from('TRAILER!!!')));
    assert.deepEqual(gunzipSync(cpioNewcGz([{ kind: 'file', path: 'a', data: 'b' }])), cpioNewc([{ kind: 'file', path: 'a', data: 'b' }]));
    const d = mkdtempSync(join(tmpdir(), 'dg-cpio-'));
    writeFileSync(join(d, 'a.cpio'), a);
    const r = spawnSync('cpio', ['-t', '-F', join(d, 'a.cpio')], { encoding: 'utf8' });
    if (r.error) return; // no cpio tool: the structural checks above stand
    assert.deepEqual(r.stdout.trim().split('\n'), ['bin', 'bin/x', 'bin/y', 'dev-console']);
    assert.throws(() => cpioNewc([{ kind: 'file', path: '../etc/passwd', data: '' }]), /bad path/);
  });
  it('modules come with their dependencies first; built-ins are skipped; unknown ones reported', () => {
    const dep = [
      'kernel/drivers/vfio/vfio.ko:',
      'kernel/drivers/vfio/vfio_iommu_type1.ko: kernel/drivers/vfio/vfio.ko',
      'kernel/drivers/vfio/pci/vfio-pci-core.ko: kernel/virt/lib/irqbypass.ko kernel/drivers/vfio/vfio.ko',
      'kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko kernel/virt/lib/irqbypass.ko kernel/drivers/vfio/vfio.ko',
      'kernel/virt/lib/irqbypass.ko:',
    ].join('\n');
    const r = moduleOrder(dep, 'kernel/drivers/pci/pcie/portdrv.ko\n', ['vfio-pci', 'vfio_iommu_type1', 'portdrv', 'nosuch']);
    assert.deepEqual(r.files, [
      'kernel/virt/lib/irqbypass.ko',
      'kernel/drivers/vfio/vfio.ko',
      'kernel/drivers/vfio/pci/vfio-pci-core.ko',
      'kernel/drivers/vfio/pci/vfio-pci.ko',
      'kernel/drivers/vfio/vfio_iommu_type1.ko',
    ]);
    assert.deepEqual(r.missing, ['nosuch']);
  });
});

describe('dmagate qemu: serial output', () => {
  it('finds the markers even where kernel messages share the line', () => {
    const obs = '{"a":{"bdf":"0000:01:00.0","present":true,"driver":null,"group":"4","type":"DMA","atsCap":true,"atsEnabled":true,"atsStu":12,"pasidCap":false,"pasidEnabled":false}}';
    const text = [
      'SeaBIOS noise',
      'DMAGATE-UNAME 6.1.0-57-amd64 #1 SMP Debian',
      'DMAGATE-LOG 0 [    3.6] DMAR: IOMMU batching disallowed due to virtualization',
      'DMAGATE-STEP 0 boot ok\r',
      `[   20.1] random: crng init done DMAGATE-OBS 0 ${obs}`,
      'DMAGATE-STEP 1 group-type(a,identity) EBUSY',
      `DMAGATE-OBS 1 ${obs}`,
      'DMAGATE-LOG 1 [   20.2] iommu: Device is still bound to driver',
      'DMAGATE-END',
    ].join('\n');
    const p = parseSerial(text);
    assert.equal(p.ended, true);
    assert.equal(p.uname, '6.1.0-57-amd64 #1 SMP Debian');
    assert.deepEqual(
      p.steps.map((s) => [s.index, s.event, s.ret, s.devices.a.type, s.log.length]),
      [
        [0, 'boot', 'ok', 'DMA', 1],
        [1, 'group-type(a,identity)', 'EBUSY', 'DMA', 1],
      ],
    );
    const cut = parseSerial('DMAGATE-STEP 0 boot ok\n');
    assert.equal(cut.ended, false);
    assert.equal(cut.steps.length, 0);
    assert.ok(cut.warnings.some((w) => /no observation/.test(w)));
  });
});

describe('dmagate qemu: external-facing root ports', () => {
  it('an SSDT gives the q35 DSDT device of the port the _DSD ExternalFacingPort = 1', async () => {
    const { ssdtSource } = await import('../../src/kernel-check/host.js');
    const p = planRun(file('vtd-sm-untrusted.yaml'));
    const names = p.devices.flatMap((d) => (d.acpiName ? [d.acpiName] : []));
    assert.deepEqual(names, ['S18'], 'slot 3 function 0: _ADR 0x00030000, QEMU names it S18');
    const dsl = ssdtSource(names);
    assert.match(dsl, /Scope \(\\_SB\.PCI0\.S18\)/);
    assert.match(dsl, /efcc06cc-73ac-4bc3-bff0-76143807c389/);
    assert.match(dsl, /"ExternalFacingPort", 1/);
  });
});
