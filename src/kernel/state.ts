// KState: the kernel model's state as plain immutable data (ARCHITECTURE.md). Per device the
// driver-core, PCI (struct pci_dev §1.2) and IOMMU-driver facts (arm_smmu_master,
// device_domain_info, iommu_dev_data); per group the iommu_group fields (§4.7). Hardware
// consequences (Translated accepted, reach, MSI delivery) are derived in observe.ts.
import type { Platform } from './platform.js';
import { PCI_DEV_INITIAL, type PciDevState } from './pci/state.js';
import { platIndex } from './platform-index.js';
import { pvecFrom, pvecToArray, type PVec } from './pvec.js';
import type { DomainKind, Errno } from './types.js';

/** Per-device IOMMU driver state (the vendor-private struct; vendors use the fields they own). */
export interface MmuDev {
  /** Intel info->ats_supported / AMD dev_data->ats.enabled-able (probe-time, R5.11/R5.16). */
  readonly atsSupported: boolean;
  /** master->ats_enabled / info->ats_enabled / dev_data->ats.enabled (R5.3/R5.12/R5.17). */
  readonly atsEnabled: boolean;
  /** SMMUv3: CD table allocated (A1 at probe, or on first PASID). */
  readonly cdTable: boolean;
  /** SMMUv3 RFC: master->ats_always_on (A1). */
  readonly alwaysOn: boolean;
  /** SMMUv3: master->ssid_bits (R5.2); 0 = no substreams. Intel/AMD: PASID bits usable. */
  readonly ssidBits: number;
  /** SMMUv3 nested: guest vSTE EATS (R5.7); null when not nested. */
  readonly vEats: boolean | null;
}

export const MMU_INITIAL: MmuDev = { atsSupported: false, atsEnabled: false, cdTable: false, alwaysOn: false, ssidBits: 0, vEats: null };

/** Where the bound driver's MSI vectors were set up (R4.33/R4.34):
 * 'none' no vectors; 'failed' allocation refused; 'x86' interrupt remapping (R4.35);
 * 'phys' ARM physical doorbell (no domain / IDENTITY); otherwise the DomainKind whose
 * cookie mapped the doorbell; 'stale' set up in a user domain that has been replaced. */
export type MsiSetup = 'none' | 'failed' | 'x86' | 'phys' | 'stale' | DomainKind;

export type DrvBinding = 'none' | 'own' | 'vfio';

export interface DevState {
  readonly present: boolean;
  /** Userspace accepted the device (D3 step 5). Forgotten on removal. */
  readonly accepted: boolean;
  /** Userspace opted the device into CXL.cache ATS (D1). */
  readonly optedIn: boolean;
  readonly drv: DrvBinding;
  /** VFIO: the device fd is open (DMA ownership claimed, R4.27) / attached to a user domain. */
  readonly vfioOpen: boolean;
  readonly vfioAttached: boolean;
  /** Holds an owner_cnt reference through iommu_device_use_default_domain (R4.24). */
  readonly dmaUser: boolean;
  readonly msi: MsiSetup;
  /** A PASID domain is attached (one per device in the event space; R4.31). */
  readonly pasid: boolean;
  /** iommu_probe_device failed (e.g. R2.6 refusal): no group, no domain. */
  readonly probeErr: Errno | null;
  readonly pci: PciDevState;
  readonly mmu: MmuDev;
}

export const DEV_ABSENT: DevState = {
  present: false,
  accepted: false,
  optedIn: false,
  drv: 'none',
  vfioOpen: false,
  vfioAttached: false,
  dmaUser: false,
  msi: 'none',
  pasid: false,
  probeErr: null,
  pci: PCI_DEV_INITIAL,
  mmu: MMU_INITIAL,
};

export type DefaultType = 'identity' | 'dma' | 'dma-fq';

export interface GroupState {
  /** group->domain: the domain every present member is attached to (R3.8); null: none. */
  readonly domain: DomainKind | null;
  /** group->default_domain type once allocated (R4.10); null: not set up (D4 leaves it unset). */
  readonly defaultDomain: DefaultType | null;
  /** owner_cnt and owner (R4.24–R4.29); owner 'vfio' for the VFIO/iommufd claim. */
  readonly ownerCnt: number;
  readonly owner: 'vfio' | null;
}

export const GROUP_EMPTY: GroupState = { domain: null, defaultDomain: null, ownerCnt: 0, owner: null };

export interface KState {
  readonly devs: PVec<DevState>;
  readonly groups: PVec<GroupState>;
}

export function initialState(p: Platform): KState {
  const ix = platIndex(p);
  return { devs: pvecFrom(ix.devs.length, () => DEV_ABSENT), groups: pvecFrom(ix.groups.length, () => GROUP_EMPTY) };
}

const b = (x: boolean): string => (x ? '1' : '0');

/** One device's state as text: every field, in a fixed order (the canonical form). */
export function devKey(d: DevState): string {
  if (!d.present) return '-';
  const c = d.pci;
  const m = d.mmu;
  return [
    b(d.accepted) + b(d.optedIn) + d.drv[0] + b(d.vfioOpen) + b(d.vfioAttached) + b(d.dmaUser) + b(d.pasid),
    d.msi,
    d.probeErr ?? '',
    `${b(c.atsEnabled)}${b(c.pasidEnabled)}${b(c.priEnabled)},${c.atsStu},${c.pasidFeatures},${c.priReqsAlloc}`,
    `${b(m.atsSupported)}${b(m.atsEnabled)}${b(m.cdTable)}${b(m.alwaysOn)}${m.vEats === null ? 'n' : b(m.vEats)},${m.ssidBits}`,
  ].join(':');
}

export function groupKey(g: GroupState): string {
  return `${g.domain ?? '-'}/${g.defaultDomain ?? '-'}/${g.ownerCnt}/${g.owner ?? '-'}`;
}

/** The readable canonical key (devices, then groups, in platform index order): for dumps and
 * debugging (bench/spin/dump-states.mjs). Equal texts ⇔ equal states, as for stateKey. */
export function stateKeyText(s: KState): string {
  return pvecToArray(s.devs).map(devKey).join('|') + '#' + pvecToArray(s.groups).map(groupKey).join('|');
}

// ---- packed keys (docs/performance.md "Keys") ----
// stateKey is the explorer's hottest function when it builds the text above for every
// successor. Instead each distinct device (group) state text is interned once to a small
// number, remembered on the DevState (GroupState) object itself under a non-enumerable symbol
// (invisible to JSON, spreads and deepStrictEqual; a WeakMap of millions of entries costs more
// in GC than it saves) — states share unchanged entries structurally (pvec.ts), so a successor
// mostly re-reads codes already computed — and the key is those numbers as UTF-16 code units:
// one unit below 0x8000, else two (0x8000 | high 15 bits, low 15 bits), a prefix-free code, so
// equal keys ⇔ equal code sequences ⇔ equal texts. The devices-then-groups split needs no
// separator: their counts are fixed per Platform.

const CODE: unique symbol = Symbol('dmagate.stateCode');
type Coded = { [CODE]?: number };
const devCodes = new Map<string, number>();
const grpCodes = new Map<string, number>();
/** Frozen (non-extensible) entries cannot carry a code: looked up by identity instead. */
const frozenCodes = new WeakMap<object, number>();

function remember(o: object, c: number): number {
  if (Object.isExtensible(o)) Object.defineProperty(o, CODE, { value: c, enumerable: false });
  else frozenCodes.set(o, c);
  return c;
}

/** The interned code of `o`: its key text's number in `table` (equal codes ⇔ equal texts),
 * kept on the object once computed. */
function internedCode<T extends object>(o: T, keyOf: (o: T) => string, table: Map<string, number>): number {
  const c = (o as Coded)[CODE];
  if (c !== undefined) return c;
  const f = frozenCodes.get(o);
  if (f !== undefined) return f;
  const t = keyOf(o);
  let n = table.get(t);
  if (n === undefined) table.set(t, (n = table.size));
  return remember(o, n);
}

/** The interned code of a device state: equal codes ⇔ equal devKey texts. */
export function devCode(d: DevState): number {
  return internedCode(d, devKey, devCodes);
}

/** The interned code of a group state: equal codes ⇔ equal groupKey texts. */
export function grpCode(g: GroupState): number {
  return internedCode(g, groupKey, grpCodes);
}

function units(c: number): string {
  return c < 0x8000 ? String.fromCharCode(c) : String.fromCharCode(0x8000 | (c >>> 15), c & 0x7fff);
}

function vecKey(node: readonly unknown[], depth: number, code: (x: never) => number): string {
  let t = '';
  if (depth === 0) for (let i = 0; i < node.length; i++) t += units(code(node[i] as never));
  else for (let i = 0; i < node.length; i++) t += vecKey(node[i] as readonly unknown[], depth - 1, code);
  return t;
}

/** Canonical and compact: equal keys ⇔ equal states (of one Platform: devices and groups in
 * platform index order). Not for display: see stateKeyText. */
export function stateKey(s: KState): string {
  return vecKey(s.devs.root, s.devs.depth, devCode) + vecKey(s.groups.root, s.groups.depth, grpCode);
}

// Two copies of one walk (devices, groups), so that each calls one code function (a
// monomorphic call the JIT inlines, with the code's own fast path: the remembered property).
function devVecCodes(node: readonly unknown[], depth: number, out: Int32Array, at: number): number {
  if (depth === 0) {
    for (let i = 0; i < node.length; i++) {
      const d = node[i] as DevState & Coded;
      out[at++] = d[CODE] ?? devCode(d);
    }
  } else for (let i = 0; i < node.length; i++) at = devVecCodes(node[i] as readonly unknown[], depth - 1, out, at);
  return at;
}

function grpVecCodes(node: readonly unknown[], depth: number, out: Int32Array, at: number): number {
  if (depth === 0) {
    for (let i = 0; i < node.length; i++) {
      const g = node[i] as GroupState & Coded;
      out[at++] = g[CODE] ?? grpCode(g);
    }
  } else for (let i = 0; i < node.length; i++) at = grpVecCodes(node[i] as readonly unknown[], depth - 1, out, at);
  return at;
}

/** The number of codes `stateCodes` writes for a state of `p`: one per device, one per group. */
export function codesWidth(p: Platform): number {
  const ix = platIndex(p);
  return ix.devs.length + ix.groups.length;
}

/** The state as its vector of interned codes, written to out[at .. at + codesWidth(p)): device
 * i's code at at + i, then group g's at at + devices + g. The very sequence stateKey spells as
 * UTF-16 units, so equal vectors ⇔ equal stateKey ⇔ equal stateKeyText (docs/performance.md
 * "Numeric keys"). */
export function stateCodes(s: KState, out: Int32Array, at: number): void {
  grpVecCodes(s.groups.root, s.groups.depth, out, devVecCodes(s.devs.root, s.devs.depth, out, at));
}
