// Scenario → what QEMU and the guest do: the machine (q35 + pcie-root-port, virtio devices with or
// without ATS and page alignment, an NVMe without ATS, the IOMMU and its options), the kernel
// command line, the boot prefix of the scenario's events (enumeration and pcieport binds happen
// while the kernel boots) and the events the guest performs afterwards. Pure: no file system,
// no processes, so `--print` and the tests see exactly what a run would do.
import type { DeviceDesc, Platform } from '../kernel/platform.js';
import { formatEvent, type KEvent } from '../kernel/types.js';
import { pciDeviceGroups } from '../kernel/iommu/groups.js';
import { parseBdf } from '../pci/bdf.js';
import { pciDev } from '../kernel/pci/index.js';
import type { Scenario } from '../platform/scenario.js';

export type Arch = 'x86_64' | 'aarch64';
export type GuestRole = 'root-port' | 'virtio' | 'nvme';

export interface PlannedDevice {
  readonly name: string;
  readonly role: GuestRole;
  /** The -device argument. */
  readonly qemuDevice: string;
  /** Root ports: their fixed guest BDF; endpoints: found below this root port's BDF at run time. */
  readonly rootPortBdf: string;
  readonly isEndpoint: boolean;
  /** Driver directory under /sys/bus/pci/drivers for bind(d) (null: no own driver). */
  readonly ownDriver: string | null;
  /** The model's IOMMU group id (g0, g1, ...): one VFIO container per group. */
  readonly modelGroup: string;
  /** An external-facing root port: its q35 DSDT device (\\_SB.PCI0.Sxx, _ADR slot<<16) that an
   * SSDT gives the _DSD "ExternalFacingPort" = 1 (drivers/pci/pci-acpi.c
   * pci_acpi_set_external_facing, R2.1). */
  readonly acpiName?: string;
}

export interface Plan {
  readonly arch: Arch;
  readonly qemuBinary: string;
  /** -machine, -device ... (no -kernel/-initrd/-append: the runner adds those). */
  readonly qemuArgs: readonly string[];
  readonly kernelCmdline: string;
  readonly devices: readonly PlannedDevice[];
  /** The scenario's leading events the guest kernel does while booting. */
  readonly bootEvents: readonly KEvent[];
  /** The events the guest init performs after boot, one recorded step each. */
  readonly steps: readonly KEvent[];
  /** Kernel modules the guest loads (by module name; built-in ones are skipped at build). */
  readonly modules: readonly string[];
  /** What a TCG boot of this machine is expected to cost, for the progress message. */
  readonly note: string;
}

export class PlanError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'PlanError';
  }
}

/** The events the guest can perform through sysfs and VFIO (others are refused with why). */
const GUEST_EVENTS: Readonly<Partial<Record<KEvent['kind'], string>>> = {
  bind: 'driver_override + drivers/DRV/bind',
  unbind: 'driver/unbind',
  'vfio-bind': 'driver_override=vfio-pci + drivers/vfio-pci/bind',
  'vfio-unbind': 'close the VFIO group and container fds, then driver/unbind',
  'vfio-claim': 'VFIO_GROUP_SET_CONTAINER',
  'vfio-set-iommu': 'VFIO_SET_IOMMU (type1)',
  'vfio-attach': 'VFIO_GROUP_SET_CONTAINER + VFIO_SET_IOMMU',
  'group-type': 'write /sys/kernel/iommu_groups/N/type',
  reset: 'write 1 to the device\'s sysfs reset',
  remove: 'write 1 to the device\'s sysfs remove',
};

const NOT_IN_GUEST: Readonly<Partial<Record<KEvent['kind'], string>>> = {
  'vfio-detach': 'legacy VFIO cannot detach the user domain and keep the claim (VFIO_GROUP_UNSET_CONTAINER releases both); use vfio-unbind',
  'pasid-attach': 'QEMU 7.2 emulates no PASID-capable device',
  'pasid-detach': 'QEMU 7.2 emulates no PASID-capable device',
  'guest-eats': 'nested SMMUv3 is not emulated',
  accept: 'a thread design (boot-dma-security), not in a released kernel',
  'opt-in': 'a thread design (cxl-ats-opt-in), not in a released kernel',
};

function rootPortSlot(d: DeviceDesc, problems: string[]): string | null {
  const b = parseBdf(d.bdf);
  if (b === null) {
    problems.push(`${d.name}: bad BDF "${d.bdf}"`);
    return null;
  }
  if (b.bus !== 0 || b.fn !== 0 || b.dev < 1 || b.dev > 0x1e) {
    problems.push(`${d.name}: a root port must sit at 00:DD.0 with DD in 01..1e (q35 keeps 00.0 and 1f for itself); got ${d.bdf}`);
    return null;
  }
  return b.dev.toString(16).padStart(2, '0');
}

/** Devices QEMU can build: root ports on the root bus; below each, one function-0 endpoint. */
function planDevices(p: Platform, problems: string[]): PlannedDevice[] {
  const groups = pciDeviceGroups(p);
  const out: PlannedDevice[] = [];
  const ports = new Map<string, { bdf: string; id: string; used: boolean }>();
  let chassis = 0;
  for (const d of p.devices) {
    const c = d.config;
    const pi = pciDev(p, d.name);
    const where = `${d.name} (${d.bdf})`;
    if (c.pasid !== undefined || c.pri !== undefined || c.sriov !== undefined || c.dvsecs.some((x) => x.vendor === 0x1e98)) {
      problems.push(`${where}: QEMU 7.2 emulates no device with PASID, PRI, SR-IOV or CXL capabilities; drop them or leave the device out`);
      continue;
    }
    if (d.physfn !== undefined || d.dmaAliasOf !== undefined || d.usb4HostInterface) {
      problems.push(`${where}: VFs, DMA aliases and the usb4-host-interface firmware reference are not emulated`);
      continue;
    }
    if (d.reservedRegions.length > 0) {
      problems.push(`${where}: reserved regions come from firmware tables QEMU does not let us write`);
      continue;
    }
    if (pi.isBridge) {
      if (pi.pcieType !== 'root-port' || d.parent !== null) {
        problems.push(`${where}: only root ports on the root bus are emulated (pcie-root-port); got ${pi.pcieType ?? 'a PCI bridge'}`);
        continue;
      }
      const slot = rootPortSlot(d, problems);
      if (slot === null) continue;
      if (d.driver !== null && d.driver.name !== 'pcieport') problems.push(`${where}: a root port's driver is pcieport (got ${d.driver.name})`);
      if (d.externalFacing && p.iommu === 'arm-smmu-v3') problems.push(`${where}: externalFacing needs an ACPI _DSD; the arm64 guest boots with a device tree`);
      const bdf = `0000:00:${slot}.0`;
      const id = `rp${++chassis}`;
      ports.set(d.name, { bdf, id, used: false });
      const acs = c.acs !== undefined;
      out.push({
        name: d.name,
        role: 'root-port',
        qemuDevice: `pcie-root-port,id=${id},bus=pcie.0,chassis=${chassis},addr=0x${slot}${acs ? '' : ',disable-acs=on'}`,
        rootPortBdf: bdf,
        isEndpoint: false,
        ...(d.externalFacing ? { acpiName: `S${((parseInt(slot, 16) << 3) | 0).toString(16).toUpperCase().padStart(2, '0')}` } : {}),
        ownDriver: d.driver === null ? null : 'pcieport',
        modelGroup: groups.groupOf[d.name],
      });
      continue;
    }
    const port = d.parent === null ? undefined : ports.get(d.parent);
    if (port === undefined) {
      problems.push(`${where}: an endpoint must sit below an emulated root port (parent:), not on the root bus`);
      continue;
    }
    if (port.used) {
      problems.push(`${where}: one endpoint per root port (${d.parent} already has one)`);
      continue;
    }
    port.used = true;
    const b = parseBdf(d.bdf);
    if (b !== null && (b.dev !== 0 || b.fn !== 0)) problems.push(`${where}: the endpoint below a root port is function 00.0 (got ${d.bdf})`);
    const drv = d.driver?.name ?? null;
    const ats = c.ats;
    let role: GuestRole;
    let qemuDevice: string;
    if (drv === 'nvme') {
      if (ats !== undefined) problems.push(`${where}: QEMU's nvme has no ATS capability; use driver virtio-pci for an ATS device`);
      role = 'nvme';
      qemuDevice = `nvme,bus=${port.id},serial=dg-${d.name}`;
    } else if (drv === null || drv === 'virtio-pci' || drv === 'vfio-pci') {
      role = 'virtio';
      const atsArgs = ats === undefined ? '' : `,ats=on${ats.pageAligned ? '' : ',x-ats-page-aligned=off'}`;
      if (ats?.enabled) problems.push(`${where}: ATS Enable preset by firmware is not emulated`);
      qemuDevice = `virtio-rng-pci,bus=${port.id},disable-legacy=on,iommu_platform=on${atsArgs}`;
    } else {
      problems.push(`${where}: driver "${drv}" has no QEMU device here; use virtio-pci (virtio-rng-pci, ATS optional) or nvme (no ATS)`);
      continue;
    }
    out.push({
      name: d.name,
      role,
      qemuDevice,
      rootPortBdf: port.bdf,
      isEndpoint: true,
      ownDriver: drv === null || drv === 'vfio-pci' ? null : drv,
      modelGroup: groups.groupOf[d.name],
    });
  }
  return out;
}

/** -device / -machine arguments for the IOMMU and its features (R4.4a, R5.11, R5.17). */
function iommuArgs(p: Platform, problems: string[]): { arch: Arch; args: string[]; cmdline: string[] } {
  const f = p.features;
  switch (p.iommu) {
    case 'intel':
    case 'intel-legacy': {
      if (f.intelDeviceTlb !== f.intelAtsr) {
        problems.push('features: QEMU sets VT-d ECAP.DT and the DMAR ATSR together (device-iotlb=on|off): intelDeviceTlb and intelAtsr must be equal');
      }
      if (p.iommu === 'intel' && f.intelFlts) {
        problems.push('features.intelFlts: QEMU 7.2 scalable mode has no first-stage tables (ECAP.FLTS): set intelFlts: false');
      }
      const opts = [
        'intremap=on',
        `caching-mode=${f.intelCachingMode ? 'on' : 'off'}`,
        `device-iotlb=${f.intelDeviceTlb ? 'on' : 'off'}`,
        `x-scalable-mode=${p.iommu === 'intel' ? 'on' : 'off'}`,
      ];
      // CONFIG_INTEL_IOMMU_DEFAULT_ON is off in Debian's build: the driver must be asked for
      return { arch: 'x86_64', args: ['-machine', 'q35', '-device', `intel-iommu,${opts.join(',')}`], cmdline: ['intel_iommu=on'] };
    }
    case 'amd':
      if (!f.amdNpCache) problems.push('features.amdNpCache: QEMU\'s amd-iommu always reports NpCache: set amdNpCache: true');
      // hw/i386/amd_iommu.h AMDVI_CAPAB_FEATURES: IOTLBSUP and NPCACHE are constant capability
      // bits (device-iotlb= does not clear them; a recorded run with device-iotlb=off had ATS on)
      if (!f.amdIotlb) problems.push('features.amdIotlb: QEMU 7.2\'s amd-iommu always reports IotlbSup in its capability header: amdIotlb: false cannot be emulated');
      if (f.amdGtPpr) problems.push('features.amdGtPpr: QEMU 7.2\'s amd-iommu has no GT/PPR extended features: set amdGtPpr: false');
      return { arch: 'x86_64', args: ['-machine', 'q35', '-device', `amd-iommu,intremap=on,device-iotlb=${f.amdIotlb ? 'on' : 'off'}`], cmdline: [] };
    case 'arm-smmu-v3':
      // hw/arm/smmuv3.c (QEMU 7.2) smmuv3_init_regs: stage 1 only, no IDR0.ATS, no substreams.
      // GICv3 with an ITS: MSIs are isolated, so VFIO type1 attaches (with GICv2 it refuses:
      // "No interrupt remapping support", -EPERM, a recorded finding)
      if (f.smmuAts) problems.push('features.smmuAts: QEMU 7.2\'s SMMUv3 has no IDR0.ATS: set smmuAts: false');
      // virt boots with a device tree: of_iommu_configure requests ACS after the bus scan
      if (!f.lateAcsRequest) problems.push('features.lateAcsRequest: an arm64 device-tree guest requests ACS after the PCI bus scan: set lateAcsRequest: true');
      return { arch: 'aarch64', args: ['-machine', 'virt,iommu=smmuv3,gic-version=3,its=on', '-cpu', 'cortex-a57'], cmdline: [] };
  }
}

/** Where the scenario's boot ends: every device probed in enumeration order first, pcieport
 * binds of root ports anywhere among them (the built-in pcieport binds while booting). */
function splitBoot(sc: Scenario, devs: readonly PlannedDevice[], problems: string[]): { boot: KEvent[]; steps: KEvent[] } {
  const boot: KEvent[] = [];
  let i = 0;
  const evs = sc.events;
  const ports = new Set(devs.filter((d) => d.role === 'root-port' && d.ownDriver !== null).map((d) => d.name));
  const probed: string[] = [];
  for (; i < evs.length; i++) {
    const e = evs[i];
    if (e.kind === 'probe') probed.push(e.dev);
    else if (!(e.kind === 'bind' && ports.has(e.dev))) break;
    boot.push(e);
  }
  const order = sc.platform.devices.map((d) => d.name);
  if (probed.join(',') !== order.join(',')) {
    problems.push(`events: a real machine enumerates every device while booting: start with ${order.map((n) => `probe(${n})`).join(' ')} (got ${probed.map((n) => `probe(${n})`).join(' ') || 'none'})`);
  }
  const boundAtBoot = new Set(boot.filter((e) => e.kind === 'bind').map((e) => e.dev));
  for (const pname of ports) if (!boundAtBoot.has(pname)) problems.push(`events: pcieport binds ${pname} while booting: add bind(${pname}) after its probe`);
  const steps = evs.slice(i);
  steps.forEach((e, k) => {
    const at = `events[${i + k}] ${formatEvent(e)}`;
    if (NOT_IN_GUEST[e.kind] !== undefined) problems.push(`${at}: not performed in the guest: ${NOT_IN_GUEST[e.kind]}`);
    else if (GUEST_EVENTS[e.kind] === undefined) problems.push(`${at}: not performed in the guest after boot (a probe is enumeration: only at boot)`);
    else if (e.kind === 'bind' && devs.find((d) => d.name === e.dev)?.ownDriver === null) problems.push(`${at}: the device has no own driver`);
  });
  return { boot, steps };
}

/** The kernel profile the running kernel corresponds to (the model's profiles.ts). */
export function profileForRelease(release: string): 'v6.1' | 'v7.0' {
  return /^6\.1\./.test(release) ? 'v6.1' : 'v7.0';
}

export function planRun(sc: Scenario): Plan {
  const problems: string[] = [];
  const v = sc.variant;
  if (v.atsAlwaysOn || v.bootDmaSecurity || v.d2BlockedMeansNoAts || v.dmaModeEnum || v.cxlAtsOptIn || v.ccVmLockOff) {
    problems.push(`variant: "${sc.variantText}" is a thread design; a real kernel runs mainline or a profile (profile=v6.1 for Debian 12)`);
  }
  if (sc.platform.ccGuest) problems.push('platform.ccGuest: a confidential-compute guest is not emulated');
  const devices = planDevices(sc.platform, problems);
  const io = iommuArgs(sc.platform, problems);
  const { boot, steps } = splitBoot(sc, devices, problems);
  if (problems.length > 0) throw new PlanError(problems);
  const qemuBinary = io.arch === 'x86_64' ? 'qemu-system-x86_64' : 'qemu-system-aarch64';
  const args = [
    ...io.args,
    '-accel',
    'tcg',
    '-m',
    '1024',
    '-smp',
    '1',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    ...devices.flatMap((d) => ['-device', d.qemuDevice]),
  ];
  const raw = sc.platform.cmdline.raw.trim();
  const console = io.arch === 'x86_64' ? 'console=ttyS0' : 'console=ttyAMA0';
  // no_timer_check: under TCG on a loaded host the IO-APIC timer check can fail ("timer doesn't
  // work through Interrupt-remapped IO-APIC", a panic seen here); it has no IOMMU effect
  const tcg = io.arch === 'x86_64' ? ['no_timer_check'] : [];
  const kernelCmdline = [console, 'panic=-1', 'loglevel=1', ...tcg, ...io.cmdline, ...(raw === '' ? [] : [raw])].join(' ');
  const usesVfio = steps.some((e) => e.kind.startsWith('vfio'));
  const modules = [
    ...(devices.some((d) => d.role === 'virtio') ? ['virtio_pci'] : []),
    ...(devices.some((d) => d.role === 'nvme') ? ['nvme'] : []),
    ...(usesVfio ? ['vfio', 'vfio_iommu_type1', 'vfio-pci'] : []),
  ];
  return {
    arch: io.arch,
    qemuBinary,
    qemuArgs: args,
    kernelCmdline,
    devices,
    bootEvents: boot,
    steps,
    modules,
    note: io.arch === 'x86_64' ? 'TCG (no KVM): a boot takes about 15-60 s on an idle core' : 'TCG aarch64 (no KVM): a boot takes about 1-3 min',
  };
}
