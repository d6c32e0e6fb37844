// Audit of a host read from sysfs: per function its identity, driver, IOMMU group and the
// group's type, reserved regions, ATS/PASID/PRI present and enabled, CXL capabilities, trust
// (approximated), pci_ats_always_on, and findings with ids, severities and the reference rule
// each one rests on (../shared/reference/linux-ats-iommu.md; device-acceptance.md §3.2, §6).
import { pciAtsAlwaysOn } from '../kernel/pci/always-on.js';
import type { PciFunction } from '../pci/types.js';
import { PCI_VENDOR_ID_CXL } from '../pci/types.js';
import type { SysfsFunction, SysfsHost, SysfsNote } from './sysfs-reader.js';
import type { IommuId } from '../kernel/platform.js';

/** IOMMU vendor from sys/class/iommu names: dmarN (VT-d), ivhdN (AMD-Vi), smmu3.* (SMMUv3). */
export function inferIommu(units: readonly string[]): IommuId | null {
  if (units.some((u) => /^dmar\d+$/.test(u))) return 'intel';
  if (units.some((u) => /^ivhd\d+$/.test(u))) return 'amd';
  if (units.some((u) => /smmu/i.test(u))) return 'arm-smmu-v3';
  return null;
}

export const FINDING_IDS = [
  'no-iommu',
  'no-iommu-group',
  'ats-enabled-blocked',
  'untrusted-ats-enabled',
  'ats-enabled-noats',
  'ats-enabled-identity',
  'direct-region',
  'vfio-group-with-port-msi',
  'cxl-cache-no-ats',
  'shared-group',
  'config-truncated',
  'config-unreadable',
] as const;
export type FindingId = (typeof FINDING_IDS)[number];
export type Severity = 'high' | 'medium' | 'low' | 'info';
export const SEVERITY_ORDER: readonly Severity[] = ['high', 'medium', 'low', 'info'];

export interface Finding {
  readonly id: FindingId;
  readonly severity: Severity;
  /** Function the finding is about; null for host-level findings. */
  readonly device: string | null;
  /** IOMMU group, for group-level findings (direct-region). */
  readonly group?: number;
  /** Reference label(s) the finding rests on. */
  readonly rule: string;
  readonly message: string;
}

/** present/enabled: null = unknown (config space not fully readable). */
export interface CapState {
  readonly present: boolean | null;
  readonly enabled: boolean | null;
}

export interface AuditedRegion {
  readonly type: string;
  readonly start: string; // hex
  readonly end: string; // hex, inclusive (as sysfs prints it)
  /** IOMMU_RESV_DIRECT: sets require_direct (R4.12). */
  readonly direct: boolean;
}

export interface AuditedFunction {
  readonly name: string;
  readonly id: string | null; // "vvvv:dddd"
  readonly classCode: string | null; // "0x060400"
  readonly kind: string; // endpoint, root-port, bridge, ...
  readonly parent: string | null;
  readonly driver: string | null;
  readonly driverOverride: string | null;
  readonly group: number | null;
  /** The group's *default* domain type (sysfs `type`, iommu_group_show_type reads
   * group->default_domain): while VFIO owns the group the current domain differs. */
  readonly groupType: string | null;
  readonly groupSize: number | null;
  readonly reservedRegions: readonly AuditedRegion[];
  /** Bytes of config space read: 4096 full, 256 conventional, 64 header only (not root). */
  readonly configBytes: number;
  readonly ats: CapState;
  readonly pasid: CapState;
  readonly pri: CapState;
  /** CXL "PCIe DVSEC for CXL Devices" (id 0) capabilities; null = none or unknown (see configBytes). */
  readonly cxl: { readonly cache: boolean; readonly mem: boolean; readonly io: boolean } | null;
  readonly isVf: boolean;
  readonly physfn: string | null;
  readonly virtfns: readonly string[];
  /** sriov_numvfs / sriov_totalvfs (PFs only). */
  readonly sriovNumvfs: number | null;
  readonly sriovTotalvfs: number | null;
  readonly removable: string | null;
  /** Approximation of the kernel's `untrusted` (no sysfs attribute exists): see `untrustedWhy`. */
  readonly untrustedApprox: boolean;
  readonly untrustedWhy: string;
  /** RFC pci_ats_always_on (§7.1 P1–P6); null when the config space needed is unknown. */
  readonly alwaysOn: { readonly value: boolean; readonly rule: string; readonly why: string } | null;
  readonly alwaysOnUnknownWhy?: string;
  readonly notes: readonly SysfsNote[];
}

export interface AuditReport {
  readonly root: string;
  readonly iommu: {
    readonly present: boolean;
    /** Vendor recognised from the unit names; null when none is. */
    readonly vendor: IommuId | null;
    readonly units: readonly string[];
    readonly groups: number;
    readonly summary: string;
  };
  readonly cmdline: { readonly raw: string | null; readonly noats: boolean };
  readonly pciBus: boolean;
  readonly functions: readonly AuditedFunction[];
  readonly groups: readonly { readonly id: number; readonly type: string | null; readonly devices: readonly string[]; readonly reservedRegions: readonly AuditedRegion[] }[];
  readonly findings: readonly Finding[];
  readonly notes: readonly SysfsNote[];
}

export const NO_IOMMU_TEXT = 'no IOMMU: DMA is not translated; every device can reach all memory';

/** R1.1: `pci=noats` (pci= takes a comma-separated option list; drivers/pci/pci.c: pci_setup). */
export function cmdlineNoats(raw: string | null): boolean {
  if (raw === null) return false;
  return raw
    .split(/\s+/)
    .filter((t) => t.startsWith('pci='))
    .some((t) => t.slice(4).split(',').includes('noats'));
}

const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

function kindOf(fn: PciFunction | null, classCode: number | null): string {
  if (fn?.pcie) return fn.pcie.type;
  if (fn?.header) return fn.header.headerType === 1 ? 'pci-bridge' : fn.header.headerType === 2 ? 'cardbus-bridge' : 'pci-function';
  if (classCode !== null && classCode >> 16 === 0x06) return 'bridge';
  return 'unknown';
}

/** Extended capabilities are known only from a 4096-byte read; a 256-byte config (the kernel's
 * cfg_size is 256) has none the kernel can see either; a 64-byte read says nothing. */
function extKnown(f: SysfsFunction): 'known' | 'none' | 'unknown' {
  if (f.fn === null) return 'unknown';
  if (f.fn.config.length >= 4096) return 'known';
  if (f.fn.config.length >= 256) return 'none';
  return 'unknown';
}

function capState(f: SysfsFunction, cap: { enabled: boolean } | undefined): CapState {
  const k = extKnown(f);
  if (k === 'unknown') return { present: null, enabled: null };
  if (k === 'none' || cap === undefined) return { present: false, enabled: false };
  return { present: true, enabled: cap.enabled };
}

function cxlOf(fn: PciFunction | null): AuditedFunction['cxl'] {
  const d = fn?.dvsecs.find((v) => v.vendor === PCI_VENDOR_ID_CXL && v.id === 0 && v.cxlDevice !== undefined);
  if (!d?.cxlDevice) return null;
  return { cache: d.cxlDevice.cacheCapable, mem: d.cxlDevice.memCapable, io: d.cxlDevice.ioCapable };
}

/** R2.2 vs R2.4: `untrusted` and `removable` are derived by the same rule (inherited from the
 * upstream bridge; set below tunneled/external-facing ports), and only `removable` is visible. */
/** R2.3(a) drivers/pci/probe.c: pcie_is_tunneled — Intel integrated Thunderbolt 3/4 root ports
 * (Ice Lake 0x8a1d/0x8a1f/0x8a21/0x8a23, Tiger Lake 0x9a23..0x9a31), normally firmware-marked
 * external-facing. */
export function isIntegratedTbtRootPort(vendor: number | null, device: number | null): boolean {
  if (vendor !== 0x8086 || device === null) return false;
  return [0x8a1d, 0x8a1f, 0x8a21, 0x8a23].includes(device) || (device >= 0x9a23 && device <= 0x9a31);
}

function untrustedApprox(f: SysfsFunction, byName: ReadonlyMap<string, SysfsFunction>): { value: boolean; why: string } {
  const approx = 'approximation: the kernel\'s untrusted flag has no sysfs attribute; `removable` is derived by the same rule (R2.2/R2.4)';
  const seen = new Set<string>();
  // A VF's upstream bridge is its PF's (pci_upstream_bridge uses pci_physfn).
  let cur: SysfsFunction | undefined = f;
  let top: SysfsFunction = f;
  while (cur && !seen.has(cur.name)) {
    seen.add(cur.name);
    top = cur;
    if (cur.removable === 'removable') {
      return { value: true, why: cur === f ? `removable=removable (${approx})` : `upstream ${cur.name} is removable (${approx})` };
    }
    const up: string | null = cur.physfn !== null ? (byName.get(cur.physfn)?.parent ?? null) : cur.parent;
    cur = up !== null ? byName.get(up) : undefined;
  }
  // Without a `removable` verdict on the device itself: an external-facing-looking root port above.
  if (top !== f && f.removable !== 'fixed' && isIntegratedTbtRootPort(top.vendor, top.device)) {
    return { value: true, why: `below ${top.name}, an Intel integrated Thunderbolt root port (R2.3a; normally external-facing — an approximation, the firmware flag is not in sysfs)` };
  }
  return { value: false, why: f.removable === null ? `no removable attribute here or upstream (${approx})` : `not removable (${approx})` };
}

function region(r: { type: string; base: bigint; size: bigint }): AuditedRegion {
  return { type: r.type, start: '0x' + r.base.toString(16).padStart(16, '0'), end: '0x' + (r.base + r.size - 1n).toString(16).padStart(16, '0'), direct: r.type === 'direct' };
}

export function auditHost(host: SysfsHost): AuditReport {
  const byName = new Map(host.functions.map((f) => [f.name, f]));
  const groups = new Map(host.groups.map((g) => [g.id, g]));
  const noats = cmdlineNoats(host.cmdline);
  const present = host.iommuUnits.length > 0 || host.groups.length > 0;
  const findings: Finding[] = [];
  const summary = !present
    ? NO_IOMMU_TEXT
    : `IOMMU present (${host.iommuUnits.length > 0 ? host.iommuUnits.join(', ') : 'no sys/class/iommu entry'}${inferIommu(host.iommuUnits) ? `: ${inferIommu(host.iommuUnits)}` : ''}; ${host.groups.length} group${host.groups.length === 1 ? '' : 's'})`;
  if (!present) {
    findings.push({ id: 'no-iommu', severity: 'high', device: null, rule: 'R4.18-R4.21', message: `${NO_IOMMU_TEXT} (no sys/class/iommu entries and no sys/kernel/iommu_groups)` });
  }
  const functions: AuditedFunction[] = host.functions.map((f) => {
    const g = f.iommuGroup !== null ? groups.get(f.iommuGroup) : undefined;
    const isVf = f.physfn !== null;
    const pf = isVf ? byName.get(f.physfn as string) : undefined;
    const ats = capState(f, f.fn?.ats);
    const pasid = capState(f, f.fn?.pasid);
    const pri = capState(f, f.fn?.pri);
    const cxl = extKnown(f) === 'known' ? cxlOf(f.fn) : null;
    const trust = untrustedApprox(f, byName);
    let alwaysOn: AuditedFunction['alwaysOn'] = null;
    let alwaysOnUnknownWhy: string | undefined;
    if (extKnown(f) === 'unknown' || f.fn === null) {
      alwaysOnUnknownWhy = 'config space not readable past the header';
    } else if (isVf && (pf === undefined || pf.fn === null || extKnown(pf) === 'unknown')) {
      alwaysOnUnknownWhy = `VF: its PF ${f.physfn} is ${pf === undefined ? 'not listed' : 'not readable past the header'} (P3 reads the PF)`;
    } else {
      alwaysOn = pciAtsAlwaysOn(f.fn, { noats, untrusted: trust.value, pf: pf?.fn ?? undefined });
    }
    const af: AuditedFunction = {
      name: f.name,
      id: f.vendor !== null && f.device !== null ? `${hex(f.vendor, 4)}:${hex(f.device, 4)}` : null,
      classCode: f.classCode !== null ? '0x' + hex(f.classCode, 6) : null,
      kind: kindOf(f.fn, f.classCode),
      parent: f.parent,
      driver: f.driver,
      driverOverride: f.driverOverride,
      group: f.iommuGroup,
      groupType: g?.type ?? null,
      groupSize: g ? g.devices.length : null,
      reservedRegions: g ? g.reservedRegions.map(region) : [],
      configBytes: f.configBytes,
      ats,
      pasid,
      pri,
      cxl,
      isVf,
      physfn: f.physfn,
      virtfns: f.virtfns,
      sriovNumvfs: f.sriovNumvfs,
      sriovTotalvfs: f.sriovTotalvfs,
      removable: f.removable,
      untrustedApprox: trust.value,
      untrustedWhy: trust.why,
      alwaysOn,
      ...(alwaysOnUnknownWhy !== undefined ? { alwaysOnUnknownWhy } : {}),
      notes: f.notes,
    };
    findings.push(...deviceFindings(af, f, present, noats, pf ? cxlOf(pf.fn) : null, inferIommu(host.iommuUnits)));
    return af;
  });
  for (const g of host.groups) {
    const direct = g.reservedRegions.filter((r) => r.type === 'direct');
    if (direct.length === 0) continue;
    const ranges = direct.map(region).map((r) => `${r.start}-${r.end}`).join(', ');
    findings.push({
      id: 'direct-region',
      severity: 'medium',
      device: g.devices.length === 1 ? g.devices[0] : null,
      group: g.id,
      rule: 'R4.12, R4.13, D5',
      message: `group ${g.id} (${g.devices.join(', ') || 'no devices listed'}) has a direct reserved region (${ranges}): a member is require_direct, so the group cannot be attached to BLOCKED and VFIO/iommufd cannot claim it; parking it blocked is impossible`,
    });
  }
  const vendor = inferIommu(host.iommuUnits);
  for (const g of host.groups) {
    if (g.devices.length < 2) continue;
    const members = g.devices.map((n) => `${n}${byName.get(n)?.driver ? ` (${byName.get(n)?.driver})` : ''}`).join(', ');
    findings.push({
      id: 'shared-group',
      severity: 'info',
      device: null,
      group: g.id,
      rule: 'R3.8, R6.2',
      message: `group ${g.id} holds ${g.devices.length} functions: ${members}; they share one domain, and VFIO can claim the group only while no member uses a kernel DMA-API driver`,
    });
    const drivers = g.devices.map((n) => byName.get(n)?.driver ?? null);
    if (vendor === 'arm-smmu-v3' && drivers.some((d) => d !== null && d.startsWith('vfio')) && drivers.includes('pcieport')) {
      findings.push({
        id: 'vfio-group-with-port-msi',
        severity: 'medium',
        device: null,
        group: g.id,
        rule: 'R6.4, D10',
        message: `group ${g.id} mixes a VFIO device with a pcieport-bound port on SMMUv3: when VFIO claims the group the port's MSI doorbell is no longer mapped, and its AER/PME interrupts are silently lost`,
      });
    }
  }
  findings.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || (a.device ?? '').localeCompare(b.device ?? '') || a.id.localeCompare(b.id));
  return {
    root: host.root,
    iommu: { present, vendor: inferIommu(host.iommuUnits), units: host.iommuUnits, groups: host.groups.length, summary },
    cmdline: { raw: host.cmdline, noats },
    pciBus: host.pciBus,
    functions,
    groups: host.groups.map((g) => ({ id: g.id, type: g.type, devices: g.devices, reservedRegions: g.reservedRegions.map(region) })),
    findings,
    notes: host.notes,
  };
}

function deviceFindings(a: AuditedFunction, f: SysfsFunction, iommu: boolean, noats: boolean, pfCxl: AuditedFunction['cxl'], vendor: IommuId | null): Finding[] {
  const out: Finding[] = [];
  const d = a.name;
  const add = (id: FindingId, severity: Severity, rule: string, message: string): void => {
    out.push({ id, severity, device: d, rule, message });
  };
  if (f.configBytes > 0 && f.configBytes < 256 && f.fn !== null) {
    add('config-truncated', 'info', 'device-acceptance §3.2', `only ${f.configBytes} bytes of config space readable: ATS/PASID/PRI/CXL state unknown (reading past the header needs root)`);
  } else if (f.fn === null) {
    const why = f.notes.find((n) => n.code.startsWith('CONFIG_') || n.code === 'UNREADABLE' || n.code === 'ESCAPE' || n.code === 'DECODE');
    add('config-unreadable', 'low', 'device-acceptance §3.2', `config space not decoded${why ? `: ${why.message}` : ''}`);
  }
  if (iommu && a.group === null && !f.notes.some((n) => n.path.endsWith('/iommu_group'))) {
    add('no-iommu-group', 'medium', 'R4.20', 'an IOMMU is present but this function is in no IOMMU group: its DMA is not translated');
  }
  if (a.ats.enabled === true) {
    const t = a.groupType;
    // What this vendor's mainline driver does, when the vendor is known (§5).
    const why =
      vendor === 'arm-smmu-v3'
        ? '; on SMMUv3 mainline turns ATS on in IDENTITY/BLOCKED only while PASIDs are attached (R5.5, R5.6)'
        : vendor === 'intel'
          ? '; Intel scalable mode enables ATS at probe for every domain type (R5.13)'
          : vendor === 'amd'
            ? t === 'identity'
              ? '; AMD enables ATS when attaching IDENTITY, as for paging domains (R5.18)'
              : '; AMD disables ATS when attaching BLOCKED (R5.19): something else enabled it'
            : null;
    // sysfs `type` is the default domain; a VFIO-owned group runs on VFIO's domain instead.
    const vfio = a.driver !== null && a.driver.startsWith('vfio') ? ` (bound to ${a.driver}: if VFIO has claimed the group, its current domain is VFIO's, not the default shown by sysfs)` : '';
    if (t === 'blocked') {
      add('ats-enabled-blocked', 'high', 'D2; R5.5, R5.13', `ATS enabled while the group's default domain is blocked: Translated requests may bypass the blocking domain; D2 requires ATS off in BLOCKED${why ?? ' (Intel scalable mode keeps ATS on in BLOCKED, R5.13; SMMUv3 with active PASIDs, R5.5)'}${vfio}`);
    }
    if (a.untrustedApprox) {
      add('untrusted-ats-enabled', 'high', 'R1.4, R2.5', `untrusted-looking device with ATS enabled: the kernel never enables ATS for an untrusted device (pci_ats_supported is false), so it was enabled by someone else, or the device is not untrusted (${a.untrustedWhy})`);
    }
    if (noats) {
      add('ats-enabled-noats', 'high', 'R1.1, R1.2', 'ATS enabled although the kernel runs with pci=noats (ats_cap stays 0): it was enabled outside the kernel\'s ATS code');
    }
    if (t === 'identity') {
      add('ats-enabled-identity', 'low', 'D2; R5.4, R5.13, R5.18', `ATS enabled while the group's default domain is identity: a 1:1 domain gains nothing from ATS, and the device's Translated requests are accepted unchecked; D2 recommends no ATS for IDENTITY${why ?? ' (AMD enables ATS for IDENTITY, R5.18; Intel scalable mode for every domain, R5.13; SMMUv3 keeps it off without PASIDs, R5.4)'}${vfio}`);
    }
  }
  const cache = a.isVf ? pfCxl?.cache === true : a.cxl?.cache === true;
  if (cache && a.ats.enabled === false) {
    const src = a.isVf ? `its PF ${a.physfn} is CXL.cache capable (a VF inherits the PF's requirement, P3)` : 'CXL.cache capable (CXL DVSEC id 0, Cache_Capable)';
    const atsWhy = a.ats.present ? 'ATS is disabled' : 'it has no ATS capability';
    const ao = a.alwaysOn ? `; pci_ats_always_on would be ${a.alwaysOn.value} (${a.alwaysOn.rule}: ${a.alwaysOn.why})` : '';
    const grp = a.groupType === 'identity' || a.groupType === 'blocked' ? `; the group's default domain is ${a.groupType}, where mainline SMMUv3 keeps ATS off (R5.4)` : '';
    add('cxl-cache-no-ats', 'medium', '§7.1 P2-P5', `${src} but ${atsWhy}: CXL.cache cannot obtain host physical addresses without ATS (the RFC's motivation)${ao}${grp}`);
  }
  return out;
}
