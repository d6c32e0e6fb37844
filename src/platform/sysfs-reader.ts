// Reads a Linux host's PCI and IOMMU state from sysfs under ROOT (default "/"), read-only.
// Interfaces and formats: ../shared/reference/device-acceptance.md §3.1–3.2, §6;
// Documentation/ABI/testing/sysfs-bus-pci, sysfs-kernel-iommu_groups (reserved_regions:
// "<start> <end> <type>", end inclusive). Nothing here writes; every problem is a note on
// the device (or the host) and the rest is still reported.
import { basename, dirname, join } from 'node:path';
import { decodeFunction } from '../pci/decode.js';
import { parseBdf } from '../pci/bdf.js';
import type { Bdf, ConfigSpace, PciFunction } from '../pci/types.js';
import type { ReservedRegion } from '../kernel/platform.js';
import { parseReservedRegions, parseResources, type SysfsResource } from './sysfs-attrs.js';
import { lstatSync } from 'node:fs';
import { exists, inside, listDir, openRoot, readBytes, readLink, readText, rel, resolveInside, SysfsRootError, type SafeRoot, type SysfsNote } from './sysfs-fs.js';

export type { SysfsNote, SysfsNoteCode } from './sysfs-fs.js';
export { SysfsRootError } from './sysfs-fs.js';

/** A sysfs PCI function directory name ("DDDD:BB:DD.F"). */
export const isSysfsBdf = (name: string): boolean => parseBdf(name, { requireDomain: true }) !== null;

export type Removable = 'removable' | 'fixed' | 'unknown';

/** A function's identity attributes (sysfs vendor, device, subsystem_*, class, revision;
 * null: absent or unreadable): what the audit, the agent's rules and its measurement key on. */
export interface PciIdentity {
  readonly vendor: number | null;
  readonly device: number | null;
  readonly subsystemVendor: number | null;
  readonly subsystemDevice: number | null;
  /** 24-bit class code (base, sub, prog-if). */
  readonly classCode: number | null;
  readonly revision: number | null;
}

export interface SysfsFunction extends PciIdentity {
  /** "0000:01:00.0". */
  readonly name: string;
  readonly bdf: Bdf;
  /** Real device directory relative to ROOT ("sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0"). */
  readonly devicePath: string;
  /** Upstream bridge's name when the parent directory is a PCI function; null on a root bus. */
  readonly parent: string | null;
  /** Bytes the `config` file gave (0 when missing/unreadable). */
  readonly configBytes: number;
  /** Decoded config space; null when fewer than 64 bytes were readable. Its `config.length`
   * says how much is known: 64 means capabilities are unknown, never absent. */
  readonly fn: PciFunction | null;
  readonly driver: string | null;
  /** driver_override text; null when unset ("(null)") or absent. */
  readonly driverOverride: string | null;
  readonly iommuGroup: number | null;
  /** `removable` attribute; null when absent. */
  readonly removable: Removable | null;
  /** PF name for a VF (`physfn` link). */
  readonly physfn: string | null;
  /** VF names (`virtfnN` links), in N order. */
  readonly virtfns: readonly string[];
  readonly sriovNumvfs: number | null;
  readonly sriovTotalvfs: number | null;
  /** `irq` attribute (what lspci prints as the IRQ on a live host). */
  readonly irq: number | null;
  /** `numa_node` attribute (-1: none). */
  readonly numaNode: number | null;
  /** `resource` lines (BARs 0-5, ROM, bridge windows): start, end (inclusive), flags. */
  readonly resources: readonly SysfsResource[] | null;
  readonly notes: readonly SysfsNote[];
}

export interface SysfsGroup {
  readonly id: number;
  /** `type`: DMA, DMA-FQ, identity, blocked, unmanaged, unknown (null: absent/unreadable). */
  readonly type: string | null;
  readonly reservedRegions: readonly ReservedRegion[];
  /** Member device names (`devices/`). */
  readonly devices: readonly string[];
}

export interface SysfsHost {
  /** ROOT as given, and its real path. */
  readonly root: string;
  readonly rootReal: string;
  /** `sys/bus/pci/devices` exists. */
  readonly pciBus: boolean;
  /** Entries of `sys/class/iommu` (dmar0, ivhd0, smmu3.0x..., ...). */
  readonly iommuUnits: readonly string[];
  /** `sys/kernel/iommu_groups/N`, by N. */
  readonly groups: readonly SysfsGroup[];
  readonly functions: readonly SysfsFunction[];
  /** `proc/cmdline` under ROOT, when present. */
  readonly cmdline: string | null;
  /** Host-level notes (bad entries, escapes, unreadable directories). */
  readonly notes: readonly SysfsNote[];
  /** Process uid (config beyond 64 bytes needs root); null where unknown. */
  readonly uid: number | null;
}

function hexAttr(r: SafeRoot, dir: string, name: string, notes: SysfsNote[]): number | null {
  const t = readText(r, join(dir, name), notes);
  if (t === null || t === undefined) return null;
  if (!/^0x[0-9a-f]+$/i.test(t)) {
    notes.push({ code: 'BAD_VALUE', path: rel(r, join(dir, name)), message: `${name}: "${t}" is not a hex number` });
    return null;
  }
  return parseInt(t, 16);
}

function intAttr(r: SafeRoot, dir: string, name: string, notes: SysfsNote[]): number | null {
  const t = readText(r, join(dir, name), notes);
  if (t === null || t === undefined) return null;
  if (!/^\d+$/.test(t)) {
    notes.push({ code: 'BAD_VALUE', path: rel(r, join(dir, name)), message: `${name}: "${t}" is not a decimal number` });
    return null;
  }
  return parseInt(t, 10);
}

function signedAttr(r: SafeRoot, dir: string, name: string, notes: SysfsNote[]): number | null {
  const t = readText(r, join(dir, name), notes);
  if (t === null || t === undefined) return null;
  if (!/^-?\d+$/.test(t)) {
    notes.push({ code: 'BAD_VALUE', path: rel(r, join(dir, name)), message: `${name}: "${t}" is not a decimal number` });
    return null;
  }
  return parseInt(t, 10);
}

function resourcesAttr(r: SafeRoot, dir: string, notes: SysfsNote[]): SysfsResource[] | null {
  const t = readText(r, join(dir, 'resource'), notes);
  return typeof t === 'string' ? parseResources(t, rel(r, join(dir, 'resource')), notes) : null;
}

/** Readable lengths: 4096 (root, PCIe), 256 (conventional PCI / no ECAM), 64 (not root). */
function readConfig(r: SafeRoot, dir: string, name: string, bdf: Bdf, notes: SysfsNote[], uid: number | null): { fn: PciFunction | null; n: number } {
  const p = join(dir, 'config');
  const path = rel(r, p);
  const b = readBytes(r, p, 4096, notes);
  if (b === undefined) {
    notes.push({ code: 'CONFIG_MISSING', path, message: `${name}: no config file; capabilities unknown` });
    return { fn: null, n: 0 };
  }
  if (b === null) return { fn: null, n: 0 }; // already noted (unreadable / escape)
  const n = b.length;
  if (n < 64) {
    notes.push({ code: 'CONFIG_SHORT', path, message: `${name}: config gave ${n} bytes, fewer than the 64-byte header; not decoded` });
    return { fn: null, n };
  }
  // 128: a CardBus bridge read without root (pci-sysfs.c); treated as the 64-byte header.
  const length = n >= 4096 ? 4096 : n >= 256 ? 256 : 64;
  if (n !== length && n !== 128) {
    notes.push({ code: 'CONFIG_ODD_SIZE', path, message: `${name}: config gave ${n} bytes; using the first ${length}` });
  }
  if (length === 64) {
    const who = uid !== null && uid !== 0 ? ` (reading as uid ${uid}, not root: the kernel gives unprivileged readers only the 64-byte header)` : '';
    notes.push({
      code: 'CONFIG_TRUNCATED',
      path,
      message: `${name}: only 64 bytes of config space readable${who}; capabilities (ATS, PASID, PRI, SR-IOV, CXL) are unknown, not absent — run as root to read them`,
    });
  }
  const config: ConfigSpace = { bytes: b.slice(0, length), length };
  try {
    return { fn: decodeFunction(bdf, config), n };
  } catch (e) {
    notes.push({ code: 'DECODE', path, message: `${name}: decoder failed: ${e instanceof Error ? e.message : String(e)}` });
    return { fn: null, n };
  }
}

function readFunction(r: SafeRoot, name: string, bdf: Bdf, dir: string, uid: number | null): SysfsFunction {
  const notes: SysfsNote[] = [];
  const parentName = basename(dirname(dir));
  const { fn, n } = readConfig(r, dir, name, bdf, notes, uid);
  const driver = readLink(r, dir, 'driver', notes);
  const override = readText(r, join(dir, 'driver_override'), notes);
  const group = readLink(r, dir, 'iommu_group', notes);
  let iommuGroup: number | null = null;
  if (group) {
    const expected = join(r.real, 'sys', 'kernel', 'iommu_groups', group.name);
    if (!/^\d+$/.test(group.name) || group.abs !== expected) {
      notes.push({ code: 'BAD_LINK', path: rel(r, join(dir, 'iommu_group')), message: `${name}: iommu_group does not point to sys/kernel/iommu_groups/<N> (${rel(r, group.abs)})` });
    } else {
      iommuGroup = parseInt(group.name, 10);
    }
  }
  const removableText = readText(r, join(dir, 'removable'), notes);
  let removable: Removable | null = null;
  if (typeof removableText === 'string') {
    if (removableText === 'removable' || removableText === 'fixed' || removableText === 'unknown') removable = removableText;
    else notes.push({ code: 'BAD_VALUE', path: rel(r, join(dir, 'removable')), message: `${name}: removable is "${removableText}" (expected removable, fixed or unknown)` });
  }
  const bdfLink = (linkName: string): string | null => {
    const l = readLink(r, dir, linkName, notes);
    if (!l) return null;
    if (!isSysfsBdf(l.name)) {
      notes.push({ code: 'BAD_LINK', path: rel(r, join(dir, linkName)), message: `${name}: ${linkName} does not name a PCI function (${l.name})` });
      return null;
    }
    return l.name;
  };
  const physfn = bdfLink('physfn');
  const virtfns = listDir(r, dir, notes)
    .filter((e) => /^virtfn\d+$/.test(e))
    .sort((a, b) => parseInt(a.slice(6), 10) - parseInt(b.slice(6), 10))
    .map(bdfLink)
    .filter((v): v is string => v !== null);
  return {
    name,
    bdf,
    devicePath: rel(r, dir),
    parent: isSysfsBdf(parentName) ? parentName : null,
    vendor: hexAttr(r, dir, 'vendor', notes),
    device: hexAttr(r, dir, 'device', notes),
    subsystemVendor: hexAttr(r, dir, 'subsystem_vendor', notes),
    subsystemDevice: hexAttr(r, dir, 'subsystem_device', notes),
    classCode: hexAttr(r, dir, 'class', notes),
    revision: hexAttr(r, dir, 'revision', notes),
    configBytes: n,
    fn,
    driver: driver ? driver.name : null,
    driverOverride: typeof override === 'string' && override !== '' && override !== '(null)' ? override : null,
    iommuGroup,
    removable,
    physfn,
    virtfns,
    sriovNumvfs: intAttr(r, dir, 'sriov_numvfs', notes),
    sriovTotalvfs: intAttr(r, dir, 'sriov_totalvfs', notes),
    irq: intAttr(r, dir, 'irq', notes),
    numaNode: signedAttr(r, dir, 'numa_node', notes),
    resources: resourcesAttr(r, dir, notes),
    notes,
  };
}

function readGroups(r: SafeRoot, notes: SysfsNote[]): SysfsGroup[] {
  const base = join(r.real, 'sys', 'kernel', 'iommu_groups');
  const groups: SysfsGroup[] = [];
  for (const e of listDir(r, base, notes)) {
    if (!/^\d+$/.test(e)) {
      notes.push({ code: 'BAD_NAME', path: rel(r, join(base, e)), message: `iommu_groups/${e} is not a group number; skipped` });
      continue;
    }
    // A group entry that resolves outside ROOT (or dangles) is no group: noted, not counted.
    const dir = resolveInside(r, join(base, e), notes);
    if (dir === null) continue;
    const type = readText(r, join(dir, 'type'), notes);
    const rrPath = join(dir, 'reserved_regions');
    const rr = readText(r, rrPath, notes);
    groups.push({
      id: parseInt(e, 10),
      type: typeof type === 'string' ? type : null,
      reservedRegions: typeof rr === 'string' ? parseReservedRegions(rr, rel(r, rrPath), notes) : [],
      devices: listDir(r, join(dir, 'devices'), notes),
    });
  }
  return groups.sort((a, b) => a.id - b.id);
}

export interface ReadOptions {
  /** Process uid for the "not root" explanation; defaults to process.getuid(). */
  readonly uid?: number | null;
}

/**
 * Why ROOT is not a sysfs root: it holds no sys/bus/pci. ROOT is the directory that holds
 * sys/ (and proc/), as for `audit --sysfs`; given the sysfs mount itself (it has bus/pci at
 * its top), the hint names its parent.
 */
function noPciBus(root: string, r: SafeRoot): SysfsRootError {
  const looked = join(root, 'sys', 'bus', 'pci');
  const isMount = !exists(join(r.real, 'sys')) && exists(join(r.real, 'bus', 'pci'));
  const hint = isMount ? `; ${root} looks like the sysfs mount itself (it has bus/pci): ROOT is the directory that holds sys/; try --sysfs ${dirname(r.real)}` : '; ROOT is the directory that holds sys/ (e.g. / on a live host, or a copied tree with sys/ inside)';
  return new SysfsRootError(`sysfs root ${root} holds no PCI bus: ${looked} does not exist${hint}`);
}

/** sys/class/iommu entries that are IOMMU units inside ROOT: a directory, or a symlink that
 * resolves inside ROOT (sysfs makes them links into sys/devices). A link that escapes ROOT or
 * dangles is noted and not counted — it must not pass for an IOMMU. */
function iommuUnits(r: SafeRoot, notes: SysfsNote[]): string[] {
  const dir = join(r.real, 'sys', 'class', 'iommu');
  const out: string[] = [];
  for (const e of listDir(r, dir, notes)) {
    const p = join(dir, e);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) {
      if (resolveInside(r, p, notes) === null) continue; // noted: ESCAPE or UNREADABLE
    } else if (!st.isDirectory()) {
      notes.push({ code: 'NOT_A_FILE', path: rel(r, p), message: `${rel(r, p)} is neither a directory nor a link to one: not counted as an IOMMU unit` });
      continue;
    }
    out.push(e);
  }
  return out;
}

/** Reads the host under `root` (default "/"). Throws SysfsRootError (an InputError) when ROOT
 * is unusable or holds no sys/bus/pci; everything else is a note. */
export function readSysfs(root = '/', opts: ReadOptions = {}): SysfsHost {
  const r = openRoot(root);
  const notes: SysfsNote[] = [];
  const uid = opts.uid !== undefined ? opts.uid : typeof process.getuid === 'function' ? process.getuid() : null;
  const busDir = join(r.real, 'sys', 'bus', 'pci', 'devices');
  if (!exists(join(r.real, 'sys', 'bus', 'pci'))) throw noPciBus(root, r);
  let devicesDir = join(r.real, 'sys', 'devices');
  if (exists(devicesDir)) devicesDir = resolveInside(r, devicesDir, notes) ?? devicesDir;
  const pciBus = exists(busDir);
  const functions: SysfsFunction[] = [];
  for (const name of listDir(r, busDir, notes)) {
    const bdf = parseBdf(name, { requireDomain: true });
    const entry = join(busDir, name);
    if (!bdf) {
      notes.push({ code: 'BAD_NAME', path: rel(r, entry), message: `${name} is not a PCI address (DDDD:BB:DD.F); skipped` });
      continue;
    }
    const dir = resolveInside(r, entry, notes);
    if (dir === null) continue;
    if (!inside({ real: devicesDir, given: devicesDir }, dir) || basename(dir) !== name) {
      notes.push({ code: 'BAD_LINK', path: rel(r, entry), message: `${name} should link to sys/devices/.../${name}, but resolves to ${rel(r, dir)}; skipped` });
      continue;
    }
    functions.push(readFunction(r, name, bdf, dir, uid));
  }
  const cmdline = readText(r, join(r.real, 'proc', 'cmdline'), notes);
  return {
    root,
    rootReal: r.real,
    pciBus,
    iommuUnits: iommuUnits(r, notes),
    groups: readGroups(r, notes),
    functions,
    cmdline: typeof cmdline === 'string' ? cmdline : null,
    notes,
    uid,
  };
}

/** One function under `root`, read exactly as readSysfs reads it; null when it is absent or
 * its entry does not resolve into sys/devices (the acceptance agent re-reads a device's
 * identity right before each write, bolt's unique_id check, without walking the tree). */
export function readSysfsFunction(root: string, name: string, opts: ReadOptions = {}): SysfsFunction | null {
  const bdf = parseBdf(name, { requireDomain: true });
  if (!bdf) return null;
  const r = openRoot(root);
  const uid = opts.uid !== undefined ? opts.uid : typeof process.getuid === 'function' ? process.getuid() : null;
  const entry = join(r.real, 'sys', 'bus', 'pci', 'devices', name);
  if (!exists(entry)) return null;
  const notes: SysfsNote[] = [];
  let devicesDir = join(r.real, 'sys', 'devices');
  if (exists(devicesDir)) devicesDir = resolveInside(r, devicesDir, notes) ?? devicesDir;
  const dir = resolveInside(r, entry, notes);
  if (dir === null || !inside({ real: devicesDir, given: devicesDir }, dir) || basename(dir) !== name) return null;
  return readFunction(r, name, bdf, dir, uid);
}
