// struct pci_dev fields the model needs (reference §1.2), as plain immutable data, and the
// shape every drivers/pci/ats.c model function returns.
import type { Errno, TraceEntry } from '../types.js';

/** Per-device PCI ATS/PASID/PRI software state (struct pci_dev, reference §1.2). */
export interface PciDevState {
  readonly atsEnabled: boolean; // pci_dev.ats_enabled
  readonly atsStu: number; // pci_dev.ats_stu: page shift last programmed; 0 = never
  readonly pasidEnabled: boolean; // pci_dev.pasid_enabled
  readonly pasidFeatures: number; // pci_dev.pasid_features (PCI_PASID_CAP_EXEC | _PRIV)
  readonly priEnabled: boolean; // pci_dev.pri_enabled
  readonly priReqsAlloc: number; // pci_dev.pri_reqs_alloc
}

/** A freshly enumerated function: nothing enabled, nothing programmed. */
export const PCI_DEV_INITIAL: PciDevState = Object.freeze({
  atsEnabled: false,
  atsStu: 0,
  pasidEnabled: false,
  pasidFeatures: 0,
  priEnabled: false,
  priReqsAlloc: 0,
});

/** PCI state by device name; a missing entry reads as PCI_DEV_INITIAL. */
export type PciStates = Readonly<Record<string, PciDevState>>;

/** ret 0 = success; an Errno on refusal; or a number for value-returning functions. */
export interface PciOut {
  readonly ret: number | Errno;
  readonly pci: PciStates;
  readonly trace: readonly TraceEntry[];
}

/** The state of `dev` (PCI_DEV_INITIAL when never touched). */
export function pciDevState(st: PciStates, dev: string): PciDevState {
  return Object.hasOwn(st, dev) ? st[dev] : PCI_DEV_INITIAL; // own keys only: a device may be called "constructor"
}

/** `st` with `dev`'s state replaced by `{...old, ...patch}` (a new object; `st` untouched).
 * A prototype-less `st` (the model's per-call views, iommu/pci-calls.ts) is copied into a
 * prototype-less dictionary: an object literal with the device name as computed key would
 * grow V8's hidden-class transition tree by one map per distinct name. */
export function withPciDev(st: PciStates, dev: string, patch: Partial<PciDevState>): PciStates {
  const next = { ...pciDevState(st, dev), ...patch };
  if (Object.getPrototypeOf(st) !== null) return { ...st, [dev]: next };
  const out = dict<PciDevState>();
  for (const k of Object.keys(st)) out[k] = st[k]; // own enumerable keys, in order (Object.assign is 2-3x slower)
  out[dev] = next;
  return out;
}

/** An empty record without a prototype, so that any device name ("constructor",
 * "__proto__") is an ordinary key. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** An object whose properties are computed on first read and then fixed (enumerable, in
 * `makers` order): the per-Platform indices keep their record-shaped contracts (PciTopology,
 * IommuGroups) without building 100,000-key records that the model itself never reads. */
export function lazyRecord<T extends object>(makers: { readonly [K in keyof T]: () => T[K] }): T {
  const obj = {};
  for (const key of Object.keys(makers) as (keyof T & string)[]) {
    Object.defineProperty(obj, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        const value = makers[key]();
        Object.defineProperty(obj, key, { value, enumerable: true, configurable: false, writable: false });
        return value;
      },
    });
  }
  return obj as T;
}
