// R1.1–R1.29 drivers/pci/ats.c. STUB: signatures committed first; bodies follow.
import type { Platform } from '../../platform/types.js';
import type { Errno } from '../types.js';
import type { PciOut, PciStates } from './state.js';

const stub = (st: PciStates): PciOut => ({ ret: 'EINVAL', pci: st, trace: [] });
export function pciAtsDisabled(p: Platform): boolean { return p.cmdline.noats; }
export function pciAtsSupported(_p: Platform, _dev: string): boolean { return false; }
export function pciPrepareAts(_p: Platform, st: PciStates, _dev: string, _ps: number): PciOut { return stub(st); }
export function pciEnableAts(_p: Platform, st: PciStates, _dev: string, _ps: number): PciOut { return stub(st); }
export function pciDisableAts(_p: Platform, st: PciStates, _dev: string): PciOut { return stub(st); }
export function pciAtsQueueDepth(_p: Platform, _dev: string): number | Errno { return 'EINVAL'; }
export function pciAtsPageAligned(_p: Platform, _dev: string): boolean { return false; }
export function pciEnablePasid(_p: Platform, st: PciStates, _dev: string, _features: number): PciOut { return stub(st); }
export function pciDisablePasid(_p: Platform, st: PciStates, _dev: string): PciOut { return stub(st); }
export function pciEnablePri(_p: Platform, st: PciStates, _dev: string, _reqs: number): PciOut { return stub(st); }
export function pciDisablePri(_p: Platform, st: PciStates, _dev: string): PciOut { return stub(st); }
export function pciResetPri(_p: Platform, st: PciStates, _dev: string): PciOut { return stub(st); }
export function pciMaxPasids(_p: Platform, _dev: string): number | Errno { return 'EINVAL'; }
