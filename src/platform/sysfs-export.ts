// The audited host as a scenario (the YAML `loadScenario` reads; src/platform/schema.ts):
// devices in enumeration order with their real config bytes in an adjacent lspci -xxxx dump,
// topology (parent, physfn), drivers, reserved regions, the command line. What sysfs cannot
// tell (the IOMMU vendor when no unit is recognised, ExternalFacingPort, CC guest) is chosen
// conservatively and said so in a comment in the file and in `warnings`.
import { parseCmdline } from './cmdline.js';
import { termSafe } from '../util/term.js';
import { inferIommu, isIntegratedTbtRootPort } from './sysfs-audit.js';
import type { SysfsFunction, SysfsHost } from './sysfs-reader.js';

export { inferIommu } from './sysfs-audit.js';
import type { IommuId } from '../kernel/platform.js';

export interface ExportOptions {
  /** File name of the adjacent dump, as the scenario refers to it (relative to the scenario). */
  readonly dumpFile: string;
  /** Overrides the IOMMU vendor inferred from sys/class/iommu. */
  readonly iommu?: IommuId;
  /** Platform name (default "audited-host"). */
  readonly name?: string;
}

export interface ScenarioExport {
  readonly yaml: string;
  /** lspci -xxxx format text (every function with a readable config). */
  readonly dump: string;
  readonly warnings: readonly string[];
}

const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');
const q = (s: string): string => JSON.stringify(s); // a JSON string is a YAML double-quoted scalar
/** Text from the host inside a `#` comment: a line break would end the comment and inject YAML. */
const c = (s: string): string => termSafe(s);

/** lspci -xxxx text: "DDDD:BB:DD.F description", rows of 16 bytes, a blank line. */
export function formatDump(entries: readonly { name: string; description: string; bytes: Uint8Array }[]): string {
  const out: string[] = [];
  for (const e of entries) {
    out.push(`${e.name} ${e.description}`.slice(0, 200));
    for (let off = 0; off < e.bytes.length; off += 16) {
      const row = Array.from(e.bytes.subarray(off, Math.min(off + 16, e.bytes.length)), (b) => h(b, 2)).join(' ');
      out.push(`${h(off, off < 0x100 ? 2 : 3)}: ${row}`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** Parents before children, PFs before VFs (the scenario lists devices in enumeration order). */
function enumerationOrder(fns: readonly SysfsFunction[]): SysfsFunction[] {
  const byName = new Map(fns.map((f) => [f.name, f]));
  const done = new Set<string>();
  const out: SysfsFunction[] = [];
  const visit = (f: SysfsFunction, depth: number): void => {
    if (done.has(f.name) || depth > fns.length) return;
    for (const dep of [f.parent, f.physfn]) {
      const d = dep !== null ? byName.get(dep) : undefined;
      if (d) visit(d, depth + 1);
    }
    if (!done.has(f.name)) {
      done.add(f.name);
      out.push(f);
    }
  };
  fns.forEach((f) => visit(f, 0));
  return out;
}

const isBridge = (f: SysfsFunction): boolean =>
  f.fn?.header ? f.fn.header.headerType === 1 : f.classCode !== null && f.classCode >> 8 === 0x0604;

/** R4.23 / D9: vfio-pci manages DMA itself (driver_managed_dma); pcieport does no DMA. */
function dmaModeOf(driver: string): 'normal' | 'manual' | 'no-dma' {
  if (driver === 'vfio-pci' || driver.startsWith('vfio-')) return 'manual';
  if (driver === 'pcieport') return 'no-dma';
  return 'normal';
}

export function exportScenario(host: SysfsHost, o: ExportOptions): ScenarioExport {
  const warnings: string[] = [];
  const fns = enumerationOrder(host.functions);
  const byName = new Map(fns.map((f) => [f.name, f]));
  const short = (f: SysfsFunction): string => (f.name.startsWith('0000:') ? f.name.slice(5) : f.name);
  const nameOf = new Map(fns.map((f) => [f.name, short(f)]));

  let iommu = o.iommu ?? inferIommu(host.iommuUnits);
  const lines: string[] = [];
  lines.push(c(`# Exported by dmagate audit from ${host.root} (read-only). Config bytes: ${o.dumpFile}.`));
  if (iommu === null) {
    iommu = 'intel';
    const why = host.iommuUnits.length === 0 && host.groups.length === 0 ? 'the host has no IOMMU' : `no known vendor among sys/class/iommu: ${host.iommuUnits.join(', ') || 'none'}`;
    warnings.push(`iommu: ${why}; the model needs one, "intel" was written — change it`);
    lines.push(c(`# iommu: ${why}; the model needs a vendor, "intel" was chosen — change it.`));
  }
  // Words the model's parser would reject are dropped (it reads iommu.*, iommu=pt, pci=noats).
  const rawWords = (host.cmdline ?? '').split(/\s+/).filter((w) => w !== '');
  const kept = rawWords.filter((w) => parseCmdline(w).errors.length === 0);
  if (kept.length !== rawWords.length) {
    const dropped = rawWords.filter((w) => !kept.includes(w));
    warnings.push(`cmdline: dropped ${dropped.join(' ')} (values the kernel would reject)`);
    lines.push(c(`# cmdline: dropped ${dropped.join(' ')} (values the kernel would reject).`));
  }
  lines.push('# externalFacing is not in sysfs: a root port is marked only when a device below it is');
  lines.push('# `removable` (the same derivation, R2.2/R2.4) or it is an Intel integrated Thunderbolt');
  lines.push('# root port with devices below (R2.3a). ccGuest is not detected (false).');
  lines.push('platform:');
  lines.push(`  name: ${q(o.name ?? 'audited-host')}`);
  lines.push(`  iommu: ${iommu}`);
  lines.push(`  cmdline: ${q(kept.join(' '))}`);
  lines.push('  ccGuest: false');
  lines.push(fns.length === 0 ? '  devices: []' : '  devices:');

  // Root ports above a removable device: approximated as external-facing (R2.1-R2.4).
  const external = new Set<string>();
  for (const f of fns) {
    if (f.removable !== 'removable') continue;
    let top: SysfsFunction | undefined = f;
    for (let n = 0; top && top.parent !== null && n <= fns.length; n++) top = byName.get(top.parent);
    if (top && top !== f && top.removable !== 'removable' && top.fn?.pcie?.type === 'root-port') external.add(top.name);
  }
  // Intel integrated Thunderbolt root ports with devices below (R2.3a): normally external-facing.
  for (const f of fns) {
    const up = f.parent !== null ? byName.get(f.parent) : undefined;
    if (up && up.parent === null && isIntegratedTbtRootPort(up.vendor, up.device)) external.add(up.name);
  }
  const groups = new Map(host.groups.map((g) => [g.id, g]));
  const dumpEntries: { name: string; description: string; bytes: Uint8Array }[] = [];

  for (const f of fns) {
    const n = nameOf.get(f.name) as string;
    lines.push(`    - name: ${q(n)}`);
    lines.push(`      bdf: ${q(f.name)}`);
    const parent = f.parent !== null && byName.has(f.parent) && isBridge(byName.get(f.parent) as SysfsFunction) ? f.parent : null;
    if (f.parent !== null && parent === null) lines.push(`      # parent ${f.parent} is not exported as a bridge; placed on the root bus`);
    lines.push(`      parent: ${parent === null ? 'null' : q(nameOf.get(parent) as string)}`);
    if (f.physfn !== null) {
      const pf = byName.get(f.physfn);
      if (pf?.fn?.sriov) lines.push(`      physfn: ${q(nameOf.get(f.physfn) as string)}`);
      else {
        lines.push(`      # a VF of ${f.physfn}, whose SR-IOV capability is not readable: exported as a plain function`);
        warnings.push(`${f.name}: VF of ${f.physfn} exported without physfn (PF's SR-IOV capability unreadable)`);
      }
    }
    if (external.has(f.name)) lines.push('      externalFacing: true # approximated: a device below is removable, or an integrated Thunderbolt port');
    if (f.fn !== null) {
      const bytes = f.fn.config.bytes.slice(0, f.fn.config.length);
      dumpEntries.push({ name: f.name, description: `${f.vendor !== null ? h(f.vendor, 4) : '????'}:${f.device !== null ? h(f.device, 4) : '????'} (exported by dmagate audit)`, bytes });
      if (f.fn.config.length < 256) lines.push(`      # only ${f.fn.config.length} bytes of config were readable: capabilities unknown, the model sees none`);
      lines.push(`      config: { dump: ${q(o.dumpFile)}, bdf: ${q(f.name)} }`);
    } else {
      const vendor = f.vendor ?? 0xffff;
      const device = f.device ?? 0xffff;
      lines.push('      # config space not readable: identity from the sysfs attributes, capabilities unknown');
      lines.push(`      config: { vendor: 0x${h(vendor, 4)}, device: 0x${h(device, 4)}${f.classCode !== null ? `, class: 0x${h(f.classCode, 6)}` : ''}, bridge: ${isBridge(f)}, legacyPci: true }`);
      warnings.push(`${f.name}: config not readable; exported with identity only`);
    }
    const g = f.iommuGroup !== null ? groups.get(f.iommuGroup) : undefined;
    if (g && g.reservedRegions.length > 0) {
      lines.push(`      # group ${g.id}'s regions (sysfs lists reserved regions per group, not per device)`);
      lines.push('      reservedRegions:');
      for (const r of g.reservedRegions) lines.push(`        - { type: ${r.type}, base: ${q('0x' + r.base.toString(16))}, size: ${q('0x' + r.size.toString(16))}, note: ${q(`iommu group ${g.id}`)} }`);
    }
    if (f.driver === null) lines.push('      driver: null');
    else {
      const usesMsi = f.fn?.msi?.enabled === true || f.fn?.msix?.enabled === true;
      lines.push(`      driver: { name: ${q(f.driver)}, dmaMode: ${dmaModeOf(f.driver)}, usesMsi: ${usesMsi} }`);
    }
  }
  lines.push(...presentStateEvents(fns, nameOf));
  return { yaml: lines.join('\n') + '\n', dump: formatDump(dumpEntries), warnings };
}

/** issue 12: the events that reproduce the host's present state, so `dmagate run host.yaml`
 * shows the host as it is: every function probed in enumeration order (drivers/pci/probe.c
 * pci_device_add, parents first), a PF's driver bound right after its probe when VFs of it
 * exist (they appear only while the PF driver is bound, sriov_enable), then every other bound
 * driver in enumeration order (vfio-pci as vfio-bind: an open VFIO fd is not visible in sysfs,
 * so no vfio-attach is written). */
function presentStateEvents(fns: readonly SysfsFunction[], nameOf: ReadonlyMap<string, string>): string[] {
  const ev: string[] = [];
  const bound = new Set<string>();
  const exportedPf = new Set(fns.filter((f) => f.physfn !== null && fns.some((p) => p.name === f.physfn && p.fn?.sriov)).map((f) => f.physfn as string));
  const bind = (f: SysfsFunction): void => {
    if (f.driver === null || bound.has(f.name)) return;
    bound.add(f.name);
    ev.push(`${f.driver === 'vfio-pci' ? 'vfio-bind' : 'bind'}(${nameOf.get(f.name) as string})`);
  };
  for (const f of fns) {
    ev.push(`probe(${nameOf.get(f.name) as string})`);
    if (exportedPf.has(f.name)) bind(f);
  }
  for (const f of fns) bind(f);
  if (ev.length === 0) return ['events: []'];
  return ['# the host as it is now: enumeration, then the bound drivers', 'events:', ...ev.map((e) => `  - ${q(e)}`)];
}
