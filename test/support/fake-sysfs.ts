// Fake sysfs trees for tests: real directories, files and relative symlinks in a temp dir,
// shaped like Linux sysfs (device-acceptance.md §3.2, §6):
//   sys/bus/pci/devices/0000:01:00.0 -> ../../../devices/pci0000:00/0000:00:01.0/0000:01:00.0
//   <dev>/iommu_group -> ../../../../kernel/iommu_groups/N     (depth follows the device path)
//   <dev>/driver      -> ../../../../bus/pci/drivers/NAME
//   <vf>/physfn -> ../<pf>, <pf>/virtfnN -> ../<vf>             (VFs sit beside their PF)
//   sys/kernel/iommu_groups/N/{type,reserved_regions,devices/<bdf> -> <dev>}
//   sys/class/iommu/<unit>, proc/cmdline
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

export interface FakeFn {
  /** "DDDD:BB:DD.F". */
  readonly name: string;
  /** Upstream bridge (another FakeFn's name); absent: on the root bus pciDDDD:BB. */
  readonly parent?: string;
  /** For a VF: its PF. The VF directory is put beside the PF, as the kernel does. */
  readonly physfn?: string;
  /** Config file content; null: no config file. Default: none (null). */
  readonly config?: Uint8Array | null;
  /** Identity attributes; default from config bytes when present. */
  readonly vendor?: number;
  readonly device?: number;
  readonly classCode?: number;
  readonly driver?: string;
  readonly driverOverride?: string;
  readonly group?: number;
  readonly removable?: string;
  readonly sriovNumvfs?: number;
  readonly sriovTotalvfs?: number;
}

export interface FakeGroup {
  readonly id: number;
  readonly type?: string;
  /** Raw `reserved_regions` text ("0x... 0x... type" lines). */
  readonly reservedRegions?: string;
}

export interface FakeTreeSpec {
  readonly fns: readonly FakeFn[];
  readonly groups?: readonly FakeGroup[];
  /** sys/class/iommu entries (e.g. 'dmar0'); groups without units are allowed. */
  readonly iommuUnits?: readonly string[];
  /** proc/cmdline content; absent: no proc/cmdline. */
  readonly cmdline?: string;
}

export interface FakeTree {
  readonly root: string;
  /** Absolute device directory of a function. */
  dir(name: string): string;
  cleanup(): void;
}

const hex = (n: number, w: number): string => '0x' + n.toString(16).padStart(w, '0');

function link(target: string, at: string): void {
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(relative(dirname(at), target), at);
}

/** Offset of extended capability `id` in a 4096-byte config space (walked here, independently of
 * the decoder), or null. Layout: PCIe base spec 7.6.3, header = id[15:0] ver[19:16] next[31:20]. */
export function findExtCap(bytes: Uint8Array, id: number): number | null {
  let off = 0x100;
  const seen = new Set<number>();
  while (off >= 0x100 && off + 4 <= bytes.length && !seen.has(off)) {
    seen.add(off);
    const h = (bytes[off] | (bytes[off + 1] << 8) | (bytes[off + 2] << 16) | (bytes[off + 3] << 24)) >>> 0;
    if (h === 0 || h === 0xffffffff) return null;
    if ((h & 0xffff) === id) return off;
    off = (h >>> 20) & 0xffc;
  }
  return null;
}

/** A copy of `bytes` with the ATS Control Enable bit (CTRL +0x06 bit 15, R1.1 layout) set or cleared. */
export function withAtsEnable(bytes: Uint8Array, on: boolean): Uint8Array {
  const out = bytes.slice();
  const off = findExtCap(out, 0x0f);
  if (off === null) throw new Error('withAtsEnable: no ATS capability in this config space');
  out[off + 7] = on ? out[off + 7] | 0x80 : out[off + 7] & 0x7f;
  return out;
}

export function makeFakeSysfs(spec: FakeTreeSpec): FakeTree {
  const root = mkdtempSync(join(tmpdir(), 'dmagate-fake-sysfs-'));
  const sys = join(root, 'sys');
  const byName = new Map(spec.fns.map((f) => [f.name, f]));
  const dirs = new Map<string, string>();
  const dirOf = (name: string, depth = 0): string => {
    const known = dirs.get(name);
    if (known) return known;
    const f = byName.get(name);
    if (!f) throw new Error(`fake sysfs: unknown function ${name}`);
    if (depth > 64) throw new Error('fake sysfs: parent loop');
    let d: string;
    if (f.physfn !== undefined) d = join(dirname(dirOf(f.physfn, depth + 1)), name);
    else if (f.parent !== undefined) d = join(dirOf(f.parent, depth + 1), name);
    else d = join(sys, 'devices', `pci${name.slice(0, 4)}:${name.slice(5, 7)}`, name);
    dirs.set(name, d);
    return d;
  };
  mkdirSync(join(sys, 'bus', 'pci', 'devices'), { recursive: true });
  mkdirSync(join(sys, 'kernel', 'iommu_groups'), { recursive: true });
  mkdirSync(join(sys, 'class', 'iommu'), { recursive: true });
  for (const g of spec.groups ?? []) {
    const gd = join(sys, 'kernel', 'iommu_groups', String(g.id));
    mkdirSync(join(gd, 'devices'), { recursive: true });
    if (g.type !== undefined) writeFileSync(join(gd, 'type'), g.type + '\n');
    writeFileSync(join(gd, 'reserved_regions'), g.reservedRegions ?? '');
  }
  for (const u of spec.iommuUnits ?? []) {
    const ud = join(sys, 'devices', 'virtual', 'iommu', u);
    mkdirSync(ud, { recursive: true });
    link(ud, join(sys, 'class', 'iommu', u));
  }
  const vfIndex = new Map<string, number>();
  for (const f of spec.fns) {
    const d = dirOf(f.name);
    mkdirSync(d, { recursive: true });
    link(d, join(sys, 'bus', 'pci', 'devices', f.name));
    const cfg = f.config ?? null;
    if (cfg !== null) writeFileSync(join(d, 'config'), cfg);
    const rd16 = (o: number): number | undefined => (cfg !== null && cfg.length >= o + 2 ? cfg[o] | (cfg[o + 1] << 8) : undefined);
    const vendor = f.vendor ?? rd16(0);
    const device = f.device ?? rd16(2);
    const cls = f.classCode ?? (cfg !== null && cfg.length >= 12 ? (cfg[11] << 16) | (cfg[10] << 8) | cfg[9] : undefined);
    if (vendor !== undefined) writeFileSync(join(d, 'vendor'), hex(vendor, 4) + '\n');
    if (device !== undefined) writeFileSync(join(d, 'device'), hex(device, 4) + '\n');
    if (cls !== undefined) writeFileSync(join(d, 'class'), hex(cls, 6) + '\n');
    writeFileSync(join(d, 'driver_override'), (f.driverOverride ?? '(null)') + '\n');
    if (f.removable !== undefined) writeFileSync(join(d, 'removable'), f.removable + '\n');
    if (f.sriovNumvfs !== undefined) writeFileSync(join(d, 'sriov_numvfs'), `${f.sriovNumvfs}\n`);
    if (f.sriovTotalvfs !== undefined) writeFileSync(join(d, 'sriov_totalvfs'), `${f.sriovTotalvfs}\n`);
    if (f.driver !== undefined) {
      const dd = join(sys, 'bus', 'pci', 'drivers', f.driver);
      mkdirSync(dd, { recursive: true });
      link(dd, join(d, 'driver'));
      link(d, join(dd, f.name));
    }
    if (f.group !== undefined) {
      const gd = join(sys, 'kernel', 'iommu_groups', String(f.group));
      mkdirSync(join(gd, 'devices'), { recursive: true });
      link(gd, join(d, 'iommu_group'));
      link(d, join(gd, 'devices', f.name));
    }
    if (f.physfn !== undefined) {
      const pf = dirOf(f.physfn);
      link(pf, join(d, 'physfn'));
      const n = vfIndex.get(f.physfn) ?? 0;
      vfIndex.set(f.physfn, n + 1);
      mkdirSync(pf, { recursive: true });
      link(d, join(pf, `virtfn${n}`));
    }
  }
  if (spec.cmdline !== undefined) {
    mkdirSync(join(root, 'proc'), { recursive: true });
    writeFileSync(join(root, 'proc', 'cmdline'), spec.cmdline + '\n');
  }
  return {
    root,
    dir: dirOf,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
