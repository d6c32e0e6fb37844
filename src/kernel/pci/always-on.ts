// RFC patch 1/2 pci_ats_always_on (P1–P6). STUB: signatures committed first; body follows.
import type { PciFunction } from '../../pci/types.js';
import type { Platform } from '../../platform/types.js';

export interface AlwaysOnResult { readonly value: boolean; readonly rule: string; readonly why: string }
export const ATS_ALWAYS_ON_QUIRKS: readonly { readonly vendor: number; readonly device: number }[] = [
  { vendor: 0x10de, device: 0x2e12 },
  { vendor: 0x10de, device: 0x2e2a },
  { vendor: 0x10de, device: 0x2e2b },
];
export function pciAtsAlwaysOn(_fn: PciFunction, _ctx: { noats: boolean; untrusted: boolean; pf?: PciFunction }): AlwaysOnResult {
  return { value: false, rule: 'P1', why: 'stub' };
}
export function pciAtsAlwaysOnDev(_p: Platform, _dev: string): AlwaysOnResult {
  return { value: false, rule: 'P1', why: 'stub' };
}
