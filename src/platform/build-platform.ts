// `platform:` of a scenario -> Platform, with the semantic checks the schema cannot express:
// unique names and BDFs, parents that exist, come first and are bridges, PFs with SR-IOV,
// aliases that exist, command-line values the kernel would reject. Defensive: it runs even
// when the schema already complained, and skips what it cannot read.

import { didYouMean } from '../util/suggest.js';
import type { Bdf, PciFunction } from '../pci/types.js';
import { parseCmdline } from './cmdline.js';
import { dumpFunction, syntheticFunction } from './device-config.js';
import { formatBdf, parseBdf } from '../pci/bdf.js';
import type { BusDefaults, SyntheticConfigYaml, SyntheticMemo } from './device-config.js';
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
  readonly readText: (path: string) => string | Uint8Array;
  /** Device indices whose config the schema already rejected: not built (no second error). */
  readonly badConfig?: ReadonlySet<number>;
}

/** Bridge bus numbers from the topology: secondary = lowest child bus, subordinate = highest below. */
function busDefaults(devs: readonly unknown[], bdfs: readonly (Bdf | null)[]): Map<string, BusDefaults> {
  const bus = new Map<string, number>();
  const parentOf = new Map<string, string>();
  devs.forEach((d, i) => {
    if (!isRec(d) || typeof d.name !== 'string' || typeof d.bdf !== 'string') return;
    const b = bdfs[i];
    if (b) bus.set(d.name, b.bus);
    if (typeof d.parent === 'string') parentOf.set(d.name, d.parent);
  });
  // built in place (a copy per child and ancestor cost 100,000-function loads ≈ 0.1 s)
  const out = new Map<string, { primaryBus: number; secondaryBus?: number; subordinateBus?: number }>();
  for (const [name, b] of bus) out.set(name, { primaryBus: b });
  for (const [child, parent] of parentOf) {
    const cb = bus.get(child);
    if (cb === undefined || !bus.has(parent)) continue;
    const direct = out.get(parent)!;
    direct.secondaryBus = Math.min(direct.secondaryBus ?? 0xff, cb);
    // every ancestor's subordinate bus covers this child (the walk is bounded against cycles)
    for (let a: string | undefined = parent, n = 0; a !== undefined && n < devs.length; a = parentOf.get(a), n++) {
      const cur = out.get(a);
      if (!cur) break;
      cur.subordinateBus = Math.max(cur.subordinateBus ?? 0, cb);
    }
  }
  return out;
}

function buildConfig(d: Rec, i: number, bdf: ReturnType<typeof parseBdf>, bus: BusDefaults | undefined, o: BuildOptions, synth: SyntheticMemo, issues: PathIssue[]): PciFunction | undefined {
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
    return syntheticFunction(bdf, c as SyntheticConfigYaml, bus, synth);
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

const U64_END = 1n << 64n;

/** Reserved regions in BigInt: base and size below 2^64, base + size at most 2^64 (the last
 * byte, base + size - 1, is a 64-bit address; iommu_alloc_resv_region takes phys_addr_t and
 * size_t). A region that wraps is an error, never truncated. */
function buildRegions(v: unknown, at: (...k: (string | number)[]) => (string | number)[], issues: PathIssue[]): ReservedRegion[] {
  if (!Array.isArray(v)) return [];
  const out: ReservedRegion[] = [];
  v.forEach((r, k) => {
    if (!isRec(r)) return;
    const base = toBig(r.base);
    const size = toBig(r.size);
    if (typeof r.type !== 'string' || base === undefined || size === undefined) return; // the schema reported it
    let bad = false;
    for (const [key, n] of [['base', base], ['size', size]] as const) {
      if (n >= U64_END) {
        issues.push({ code: 'BAD_VALUE', message: `0x${n.toString(16)} does not fit in 64 bits`, path: at('reservedRegions', k, key) });
        bad = true;
      }
    }
    if (!bad && base + size > U64_END) {
      issues.push({ code: 'BAD_VALUE', message: `region 0x${base.toString(16)} + 0x${size.toString(16)} wraps past 2^64 (its last byte would be 0x${(base + size - 1n).toString(16)})`, path: at('reservedRegions', k, 'size') });
      bad = true;
    }
    if (!bad) out.push({ type: r.type as ReservedRegionType, base, size, ...(typeof r.note === 'string' ? { note: r.note } : {}) });
  });
  return out;
}

/** Bus numbers a bridge's header gives (decoded: the same for dumps and synthetic configs). */
function busRange(x: DeviceDesc | undefined): { sec: number; sub: number } | undefined {
  const h = x?.config.header;
  if (!h || h.headerType !== 1 || h.secondaryBus === undefined || h.subordinateBus === undefined) return undefined;
  return { sec: h.secondaryBus, sub: h.subordinateBus };
}

/**
 * Bus-number contradictions (the Primary/Secondary/Subordinate Bus Number registers of a type 1
 * header; drivers/pci/probe.c
 * pci_scan_bridge_extend reads the same three registers): a bridge's secondary bus cannot be
 * above its subordinate bus, and a device behind a bridge whose numbers the scenario sets
 * (a synthetic config) sits on a bus in [secondary, subordinate].
 */
function busRangeIssues(
  me: DeviceDesc,
  d: Rec,
  parent: { desc: DeviceDesc | undefined; rec: Rec } | undefined,
  at: (...k: (string | number)[]) => (string | number)[],
  issues: PathIssue[],
): void {
  const r = busRange(me);
  const c = isRec(d.config) ? d.config : {};
  if (r && r.sec > r.sub) {
    const key = 'secondaryBus' in c ? ['secondaryBus'] : 'subordinateBus' in c ? ['subordinateBus'] : [];
    issues.push({ code: 'BAD_TOPOLOGY', message: `bridge "${me.name}" has secondary bus ${hex2(r.sec)} above its subordinate bus ${hex2(r.sub)}: it would forward no bus at all`, path: at('config', ...key) });
  }
  const pr = busRange(parent?.desc);
  const pc = parent && isRec(parent.rec.config) ? parent.rec.config : undefined;
  if (!pr || !pc || typeof pc.dump === 'string' || pr.sec > pr.sub) return;
  const bdf = me.config.bdf; // parseBdf(me.bdf): the function is decoded at the device's address
  if (bdf.bus < pr.sec || bdf.bus > pr.sub) {
    issues.push({ code: 'BAD_TOPOLOGY', message: `bus ${hex2(bdf.bus)} is outside the buses ${hex2(pr.sec)}-${hex2(pr.sub)} its parent "${parent?.desc?.name}" forwards (secondary-subordinate)`, path: at('bdf') });
  }
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** dmaAliasOf chains that come back to where they started (mutual pairs included): an alias is
 * one-directional (drivers/pci/pci.c pci_add_dma_alias marks a devfn on the aliasing device;
 * pci_devs_are_dma_aliases already checks both devices), so a cycle says nothing a single
 * edge would not and is most likely a mistake. Reported once, at its first device. */
function aliasCycles(devs: readonly unknown[], byName: ReadonlyMap<string, number>, issues: PathIssue[]): void {
  const next = (i: number): number | undefined => {
    const d = devs[i];
    const n = isRec(d) ? str(d.dmaAliasOf) : undefined;
    return n === undefined ? undefined : byName.get(n);
  };
  const reported = new Set<number>();
  devs.forEach((_, i) => {
    if (reported.has(i)) return;
    const chain = [i];
    const seen = new Set([i]);
    for (let j = next(i); j !== undefined && j !== i; j = next(j)) {
      if (seen.has(j)) return; // a cycle not through i: reported from its own first member
      seen.add(j);
      chain.push(j);
    }
    if (next(chain[chain.length - 1]) !== i || chain.length < 2) return;
    if (chain.some((k) => k < i)) return;
    for (const k of chain) reported.add(k);
    const names = [...chain, i].map((k) => str((devs[k] as Rec).name) ?? `devices[${k}]`);
    issues.push({ code: 'BAD_TOPOLOGY', message: `dmaAliasOf forms a cycle (${names.join(' -> ')}): an alias is one-directional, name it on one device only`, path: ['platform', 'devices', i, 'dmaAliasOf'] });
  });
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
  const byBdf = new Map<number, number>(); // by the address as one number (a text key per device cost more)
  const out: DeviceDesc[] = [];
  const builtAt: (DeviceDesc | undefined)[] = new Array<DeviceDesc | undefined>(devs.length).fill(undefined);
  let named = 0;
  const bdfs = devs.map((d) => (isRec(d) && typeof d.bdf === 'string' ? parseBdf(d.bdf) : null));
  const buses = busDefaults(devs, bdfs);
  const synth: SyntheticMemo = new Map();
  let complete = true;
  devs.forEach((d, i) => {
    const at = (...k: (string | number)[]) => [...base, 'devices', i, ...k];
    if (!isRec(d)) return void (complete = false);
    const name = str(d.name);
    if (name !== undefined) {
      named++;
      const prev = byName.get(name);
      if (prev !== undefined) issues.push({ code: 'DUPLICATE', message: `device name "${name}" is also devices[${prev}]`, path: at('name') });
      else byName.set(name, i);
    }
    const bdf = bdfs[i];
    if (bdf) {
      const key = ((bdf.domain * 0x100 + bdf.bus) * 0x20 + bdf.dev) * 8 + bdf.fn; // < 2^48: exact
      const prev = byBdf.get(key);
      if (prev !== undefined) issues.push({ code: 'DUPLICATE', message: `BDF ${formatBdf(bdf, true)} is also devices[${prev}]`, path: at('bdf') });
      else byBdf.set(key, i);
    }
    const config = buildConfig(d, i, bdf, name === undefined ? undefined : buses.get(name), o, synth, issues);
    if (name === undefined || !bdf || !config) return void (complete = false);
    const parent = str(d.parent) ?? null;
    const physfn = str(d.physfn);
    const alias = str(d.dmaAliasOf);
    // the optional keys assigned in place, in the order the descriptor always had (spreading
    // `cond ? {k} : {}` per key cost a 100,000-device load ≈ 0.1 s)
    const desc: { -readonly [K in keyof DeviceDesc]?: DeviceDesc[K] } = { name, bdf: d.bdf as string, parent, config };
    if (physfn !== undefined) desc.physfn = physfn;
    desc.externalFacing = bool(d.externalFacing, false);
    if (typeof d.usb4HostInterface === 'boolean') desc.usb4HostInterface = d.usb4HostInterface;
    if (typeof d.pasidNoTlp === 'boolean') desc.pasidNoTlp = d.pasidNoTlp;
    if (alias !== undefined) desc.dmaAliasOf = alias;
    desc.reservedRegions = buildRegions(d.reservedRegions, at, issues);
    desc.driver = buildDriver(d.driver);
    out.push(desc as DeviceDesc);
    builtAt[i] = desc as DeviceDesc;
  });

  // References: by name, to a device listed earlier (parents and PFs) or anywhere (aliases).
  // The first built device of a name: with every name unique, the one device of that name
  // (builtAt, by index; a name-keyed Map cost a 100,000-device load ≈ 0.3 µs per lookup).
  const unique = byName.size === named;
  const builtByName = new Map<string, DeviceDesc>();
  if (!unique) for (const x of out) if (!builtByName.has(x.name)) builtByName.set(x.name, x);
  const builtNamed = (j: number, name: string): DeviceDesc | undefined => (unique ? builtAt[j] : builtByName.get(name));
  devs.forEach((d, i) => {
    if (!isRec(d)) return;
    const at = (k: string) => ['platform', 'devices', i, k];
    const ref = (key: 'parent' | 'physfn' | 'dmaAliasOf', mustPrecede: boolean): number | undefined => {
      const n = str(d[key]);
      if (n === undefined) return undefined;
      const j = byName.get(n);
      if (j === undefined) {
        issues.push({ code: 'UNKNOWN_DEVICE', message: `no device named "${n}"${didYouMean(n, [...byName.keys()])} (devices: ${[...byName.keys()].join(', ')})`, path: at(key) });
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
    const desc = (j: number) => builtNamed(j, str((devs[j] as Rec).name) ?? ''); // not a search per device: that made loading quadratic
    if (pj !== undefined) {
      const pd = desc(pj);
      if (pd && pd.config.header && pd.config.header.headerType !== 1) {
        issues.push({ code: 'BAD_TOPOLOGY', message: `parent "${pd.name}" is not a bridge (type 0 header)`, path: at('parent') });
      }
    }
    if (fj !== undefined) {
      const fd = desc(fj);
      if (fd && !fd.config.sriov) issues.push({ code: 'BAD_TOPOLOGY', message: `physfn "${fd.name}" has no SR-IOV capability`, path: at('physfn') });
      // A VF is not a PF: drivers/pci/iov.c pci_iov_add_virtfn (pci_iov_scan_device in
      // recent kernels) sets virtfn->physfn to the PF that creates it, and pci_physfn() goes
      // up one level only; the SR-IOV Extended Capability belongs to PFs (PCIe SR-IOV: VFs
      // do not implement it), so a physfn chain has no meaning.
      const pfOfPf = str((devs[fj] as Rec).physfn);
      if (pfOfPf !== undefined) issues.push({ code: 'BAD_TOPOLOGY', message: `physfn "${str((devs[fj] as Rec).name)}" is itself a VF (its physfn is "${pfOfPf}"): a VF's physfn must be a PF`, path: at('physfn') });
    }
    const myName = str(d.name);
    const me = myName === undefined ? undefined : builtNamed(i, myName); // the first built device of that name, as out.find gave (a search per device: quadratic)
    if (me) busRangeIssues(me, d, pj === undefined ? undefined : { desc: desc(pj), rec: devs[pj] as Rec }, (...k) => ['platform', 'devices', i, ...k], issues);
  });
  aliasCycles(devs, byName, issues);

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
