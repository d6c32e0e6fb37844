// `platform:` of a scenario -> Platform, with the semantic checks the schema cannot express:
// unique names and BDFs, parents that exist, come first and are bridges, PFs with SR-IOV,
// aliases that exist, command-line values the kernel would reject. Defensive: it runs even
// when the schema already complained, and skips what it cannot read.

import type { PciFunction } from '../pci/types.js';
import { parseCmdline } from './cmdline.js';
import { dumpFunction, syntheticFunction } from './device-config.js';
import { formatBdf, parseBdf } from '../pci/bdf.js';
import type { BusDefaults, SyntheticConfigYaml } from './device-config.js';
import type { PathIssue } from './scenario-types.js';
import { DEFAULT_FEATURES, IOMMU_IDS } from '../kernel/platform.js';
import type { DeviceDesc, DriverDesc, IommuFeatures, IommuId, Platform, ReservedRegion, ReservedRegionType } from '../kernel/platform.js';

type Rec = Record<string, unknown>;
export const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown, dflt: boolean): boolean => (typeof v === 'boolean' ? v : dflt);

/** An integer or "0x..." / decimal string -> bigint (undefined when neither, or unsafe). */
export function toBig(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
  if (typeof v === 'string' && /^(0[xX][0-9a-fA-F]+(_[0-9a-fA-F]+)*|[0-9]+)$/.test(v)) return BigInt(v.replace(/_/g, ''));
  return undefined;
}

export interface BuildOptions {
  readonly file: string;
  readonly readText: (path: string) => string;
  /** Device indices whose config the schema already rejected: not built (no second error). */
  readonly badConfig?: ReadonlySet<number>;
}

/** Bridge bus numbers from the topology: secondary = lowest child bus, subordinate = highest below. */
function busDefaults(devs: readonly unknown[]): Map<string, BusDefaults> {
  const bus = new Map<string, number>();
  const parentOf = new Map<string, string>();
  for (const d of devs) {
    if (!isRec(d) || typeof d.name !== 'string' || typeof d.bdf !== 'string') continue;
    const b = parseBdf(d.bdf);
    if (b) bus.set(d.name, b.bus);
    if (typeof d.parent === 'string') parentOf.set(d.name, d.parent);
  }
  const out = new Map<string, BusDefaults>();
  for (const [name, b] of bus) out.set(name, { primaryBus: b });
  for (const [child, parent] of parentOf) {
    const cb = bus.get(child);
    if (cb === undefined || !bus.has(parent)) continue;
    const direct = out.get(parent)!;
    out.set(parent, { ...direct, secondaryBus: Math.min(direct.secondaryBus ?? 0xff, cb) });
    // every ancestor's subordinate bus covers this child (the walk is bounded against cycles)
    for (let a: string | undefined = parent, n = 0; a !== undefined && n < devs.length; a = parentOf.get(a), n++) {
      const cur = out.get(a);
      if (!cur) break;
      out.set(a, { ...cur, subordinateBus: Math.max(cur.subordinateBus ?? 0, cb) });
    }
  }
  return out;
}

function buildConfig(d: Rec, i: number, bdf: ReturnType<typeof parseBdf>, bus: BusDefaults | undefined, o: BuildOptions, issues: PathIssue[]): PciFunction | undefined {
  const c = d.config;
  if (!isRec(c) || !bdf || o.badConfig?.has(i)) return undefined;
  try {
    if (typeof c.dump === 'string') {
      const sel = typeof c.bdf === 'string' ? (parseBdf(c.bdf) ?? undefined) : undefined;
      if (typeof c.bdf === 'string' && !sel) return undefined; // schema reported it
      const r = dumpFunction(o.file, c.dump, sel, bdf, o.readText);
      if ('error' in r) {
        issues.push({ code: 'DUMP', message: r.error, path: ['platform', 'devices', i, 'config', 'dump'] });
        return undefined;
      }
      return r.fn;
    }
    return syntheticFunction(bdf, c as SyntheticConfigYaml, bus);
  } catch (e) {
    // The builder throws only on specs the schema lets through but it cannot encode.
    issues.push({ code: 'BAD_VALUE', message: `cannot build config space: ${e instanceof Error ? e.message : String(e)}`, path: ['platform', 'devices', i, 'config'] });
    return undefined;
  }
}

function buildDriver(v: unknown): DriverDesc | null {
  if (!isRec(v) || typeof v.name !== 'string') return null;
  const dmaMode = (str(v.dmaMode) ?? 'normal') as DriverDesc['dmaMode'];
  const def = str(v.defDomainType) as DriverDesc['defDomainType'];
  return { name: v.name, dmaMode, usesMsi: bool(v.usesMsi, false), ...(def ? { defDomainType: def } : {}) };
}

function buildRegions(v: unknown): ReservedRegion[] {
  if (!Array.isArray(v)) return [];
  const out: ReservedRegion[] = [];
  for (const r of v) {
    if (!isRec(r)) continue;
    const base = toBig(r.base);
    const size = toBig(r.size);
    if (typeof r.type !== 'string' || base === undefined || size === undefined) continue;
    out.push({ type: r.type as ReservedRegionType, base, size, ...(typeof r.note === 'string' ? { note: r.note } : {}) });
  }
  return out;
}

/** Builds the platform; `undefined` when it is too broken to build (issues say why). */
export function buildPlatform(p: unknown, o: BuildOptions, issues: PathIssue[]): Platform | undefined {
  if (!isRec(p)) return undefined;
  const base = ['platform'] as const;
  const cmd = parseCmdline(str(p.cmdline) ?? '');
  for (const e of cmd.errors) issues.push({ code: 'BAD_CMDLINE', message: `"${e.word}": ${e.message}`, path: [...base, 'cmdline'] });

  const features: Record<string, unknown> = { ...DEFAULT_FEATURES };
  if (isRec(p.features)) {
    for (const [k, v] of Object.entries(p.features)) if (k in DEFAULT_FEATURES && typeof v === typeof features[k]) features[k] = v;
  }

  const devs = Array.isArray(p.devices) ? p.devices : [];
  const byName = new Map<string, number>();
  const byBdf = new Map<string, number>();
  const out: DeviceDesc[] = [];
  const buses = busDefaults(devs);
  let complete = true;
  devs.forEach((d, i) => {
    const at = (...k: (string | number)[]) => [...base, 'devices', i, ...k];
    if (!isRec(d)) return void (complete = false);
    const name = str(d.name);
    if (name !== undefined) {
      const prev = byName.get(name);
      if (prev !== undefined) issues.push({ code: 'DUPLICATE', message: `device name "${name}" is also devices[${prev}]`, path: at('name') });
      else byName.set(name, i);
    }
    const bdf = typeof d.bdf === 'string' ? parseBdf(d.bdf) : null;
    if (bdf) {
      const key = formatBdf(bdf, true);
      const prev = byBdf.get(key);
      if (prev !== undefined) issues.push({ code: 'DUPLICATE', message: `BDF ${key} is also devices[${prev}]`, path: at('bdf') });
      else byBdf.set(key, i);
    }
    const config = buildConfig(d, i, bdf, name === undefined ? undefined : buses.get(name), o, issues);
    if (name === undefined || !bdf || !config) return void (complete = false);
    const parent = str(d.parent) ?? null;
    const physfn = str(d.physfn);
    const alias = str(d.dmaAliasOf);
    out.push({
      name,
      bdf: d.bdf as string,
      parent,
      config,
      ...(physfn !== undefined ? { physfn } : {}),
      externalFacing: bool(d.externalFacing, false),
      ...(typeof d.usb4HostInterface === 'boolean' ? { usb4HostInterface: d.usb4HostInterface } : {}),
      ...(typeof d.pasidNoTlp === 'boolean' ? { pasidNoTlp: d.pasidNoTlp } : {}),
      ...(alias !== undefined ? { dmaAliasOf: alias } : {}),
      reservedRegions: buildRegions(d.reservedRegions),
      driver: buildDriver(d.driver),
    });
  });

  // References: by name, to a device listed earlier (parents and PFs) or anywhere (aliases).
  const builtByName = new Map<string, DeviceDesc>();
  for (const x of out) if (!builtByName.has(x.name)) builtByName.set(x.name, x);
  devs.forEach((d, i) => {
    if (!isRec(d)) return;
    const at = (k: string) => ['platform', 'devices', i, k];
    const ref = (key: 'parent' | 'physfn' | 'dmaAliasOf', mustPrecede: boolean): number | undefined => {
      const n = str(d[key]);
      if (n === undefined) return undefined;
      const j = byName.get(n);
      if (j === undefined) {
        issues.push({ code: 'UNKNOWN_DEVICE', message: `no device named "${n}" (devices: ${[...byName.keys()].join(', ')})`, path: at(key) });
        return undefined;
      }
      if (j === i) {
        issues.push({ code: 'BAD_TOPOLOGY', message: `a device cannot be its own ${key}`, path: at(key) });
        return undefined;
      }
      if (mustPrecede && j > i) {
        issues.push({ code: 'BAD_ORDER', message: `"${n}" (devices[${j}]) must be listed before this device: devices are in enumeration order`, path: at(key) });
      }
      return j;
    };
    const pj = ref('parent', true);
    const fj = ref('physfn', true);
    ref('dmaAliasOf', false);
    const desc = (j: number) => builtByName.get(str((devs[j] as Rec).name) ?? ''); // a Map: a search per device made loading quadratic
    if (pj !== undefined) {
      const pd = desc(pj);
      if (pd && pd.config.header && pd.config.header.headerType !== 1) {
        issues.push({ code: 'BAD_TOPOLOGY', message: `parent "${pd.name}" is not a bridge (type 0 header)`, path: at('parent') });
      }
    }
    if (fj !== undefined) {
      const fd = desc(fj);
      if (fd && !fd.config.sriov) issues.push({ code: 'BAD_TOPOLOGY', message: `physfn "${fd.name}" has no SR-IOV capability`, path: at('physfn') });
    }
  });

  const iommu = str(p.iommu);
  if (!complete || typeof p.name !== 'string' || !iommu || !(IOMMU_IDS as readonly string[]).includes(iommu)) return undefined;
  return {
    name: p.name,
    iommu: iommu as IommuId,
    features: features as unknown as IommuFeatures,
    cmdline: cmd.cmdline,
    ccGuest: bool(p.ccGuest, false),
    devices: out,
  };
}
