// Platform transforms for the verifier's matrix (VERIFICATION.md "The default matrix"):
// the same machine under another IOMMU, with passthrough on or off, as a CC guest.
// Pure: each returns a new Platform and leaves its argument untouched.

import { setPassthrough } from './cmdline.js';
import type { IommuId, Platform } from '../kernel/platform.js';

export function withIommu(p: Platform, id: IommuId): Platform {
  return { ...p, iommu: id };
}

/** Sets `iommu.passthrough=1` (on) or `=0` (off) on the command line (R4.2). */
export function withPassthrough(p: Platform, on: boolean): Platform {
  return { ...p, cmdline: setPassthrough(p.cmdline, on) };
}

/** Marks the platform a confidential-compute guest (or not) (R4.3, D11). */
export function withCcGuest(p: Platform, on: boolean): Platform {
  return { ...p, ccGuest: on };
}
