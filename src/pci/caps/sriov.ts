// SR-IOV extended capability 0x0010 (PCIe Base ch. 9; pci_regs.h PCI_SRIOV_*;
// pci-config-space.md §6.7). lspci: ls-ecaps.c cap_sriov.
import { issue, need, rd16, rd32, rd8, type Decoded } from '../config.js';
import type { Bdf, ConfigIssue, ConfigSpace, SriovCap } from '../types.js';

export const PCI_SRIOV_CTRL_VFE = 0x01;
export const PCI_SRIOV_CTRL_MSE = 0x08;
export const PCI_SRIOV_CTRL_ARI = 0x10;

export function decodeSriov(cs: ConfigSpace, off: number): Decoded<SriovCap> {
  const t = need<SriovCap>(cs, off + 4, 0x3c, 'SR-IOV');
  if (t) return t;
  const ctrl = rd16(cs, off + 8);
  return {
    value: {
      offset: off,
      caps: rd32(cs, off + 4),
      ctrl,
      vfEnable: (ctrl & PCI_SRIOV_CTRL_VFE) !== 0,
      vfMse: (ctrl & PCI_SRIOV_CTRL_MSE) !== 0,
      ariCapableHierarchy: (ctrl & PCI_SRIOV_CTRL_ARI) !== 0,
      initialVfs: rd16(cs, off + 0x0c),
      totalVfs: rd16(cs, off + 0x0e),
      numVfs: rd16(cs, off + 0x10),
      functionDependencyLink: rd8(cs, off + 0x12),
      firstVfOffset: rd16(cs, off + 0x14),
      vfStride: rd16(cs, off + 0x16),
      vfDeviceId: rd16(cs, off + 0x1a),
      supportedPageSizes: rd32(cs, off + 0x1c),
      systemPageSize: rd32(cs, off + 0x20),
      vfMigrationStateArrayOffset: rd32(cs, off + 0x3c),
    },
    issues: [],
  };
}

export interface VfRoutingId {
  /** VF number, 1-based as in the spec (the kernel's vf_id is this minus one). */
  readonly vf: number;
  /** bus << 8 | devfn, may exceed 0xffff when the VFs run past bus 255 (then `bdf` is absent). */
  readonly rid: number;
  /** Displayed as lspci does: bus = rid >> 8, device = (rid >> 3) & 0x1f, function = rid & 7. */
  readonly bdf?: Bdf;
}

export interface VfRoutingIds {
  readonly vfs: VfRoutingId[];
  /** Highest bus any of these VFs lands on (drivers/pci/iov.c compute_max_vf_buses). */
  readonly maxBus: number;
  readonly issues: ConfigIssue[];
}

/**
 * Routing IDs of the VFs (pci-config-space.md §6.7 "Routing IDs of the VFs";
 * drivers/pci/iov.c pci_iov_virtfn_bus / pci_iov_virtfn_devfn):
 * RID(VF n) = RID(PF) + FirstVFOffset + (n - 1) * VFStride.
 * Offset and stride are the values the device reported for the NumVFs and ARI setting it had
 * at capture time; `numVfs` defaults to that NumVFs (pass TotalVFs to see the worst case,
 * knowing the device may report other offset/stride values for it). The domain is the PF's.
 */
export function sriovVfRoutingIds(
  pf: Bdf,
  s: Pick<SriovCap, 'firstVfOffset' | 'vfStride' | 'numVfs' | 'offset'>,
  numVfs: number = s.numVfs,
): VfRoutingIds {
  const issues: ConfigIssue[] = [];
  const pfRid = (pf.bus << 8) | (pf.dev << 3) | pf.fn;
  const vfs: VfRoutingId[] = [];
  if (numVfs > 0 && s.firstVfOffset === 0) {
    issues.push(issue('BAD_LENGTH', s.offset + 0x14, 'SR-IOV', 'First VF Offset is 0 (Linux rejects SR-IOV: -EIO)'));
  }
  if (numVfs > 1 && s.vfStride === 0) {
    issues.push(issue('BAD_LENGTH', s.offset + 0x16, 'SR-IOV', 'VF Stride is 0 with more than one VF (Linux rejects SR-IOV: -EIO)'));
  }
  let maxBus = pf.bus;
  let beyond = false;
  for (let n = 1; n <= numVfs; n++) {
    const rid = pfRid + s.firstVfOffset + (n - 1) * s.vfStride;
    if (rid > 0xffff) {
      beyond = true;
      vfs.push({ vf: n, rid });
      continue;
    }
    const bus = rid >> 8;
    if (bus > maxBus) maxBus = bus;
    vfs.push({ vf: n, rid, bdf: { domain: pf.domain, bus, dev: (rid >> 3) & 0x1f, fn: rid & 7 } });
  }
  if (beyond) issues.push(issue('BAD_LENGTH', s.offset + 0x14, 'SR-IOV', 'VF routing IDs run past bus 255'));
  return { vfs, maxBus, issues };
}

/** The VF routing IDs as an arithmetic range — what JSON output carries, so that its size is
 * bounded by the input (a NumVFs of 0xffff is 5 numbers, not 65,535 entries). */
export interface VfRidRange {
  /** RID of VF 1 (PF RID + First VF Offset). */
  readonly first: number;
  /** VF Stride. */
  readonly stride: number;
  /** NumVFs (or the count asked for). */
  readonly count: number;
  /** RID of the last VF; above 0xffff when the VFs run past bus 255. */
  readonly last: number;
  /** Highest bus a VF lands on (bus 255 at most). */
  readonly maxBus: number;
  readonly issues: ConfigIssue[];
}

/** The same RIDs as sriovVfRoutingIds, in constant time (drivers/pci/iov.c pci_iov_virtfn_bus:
 * the RIDs grow with n, so the last VF has the highest one). */
export function sriovVfRidRange(pf: Bdf, s: Pick<SriovCap, 'firstVfOffset' | 'vfStride' | 'numVfs' | 'offset'>, numVfs: number = s.numVfs): VfRidRange {
  const issues: ConfigIssue[] = [];
  const pfRid = (pf.bus << 8) | (pf.dev << 3) | pf.fn;
  if (numVfs > 0 && s.firstVfOffset === 0) issues.push(issue('BAD_LENGTH', s.offset + 0x14, 'SR-IOV', 'First VF Offset is 0 (Linux rejects SR-IOV: -EIO)'));
  if (numVfs > 1 && s.vfStride === 0) issues.push(issue('BAD_LENGTH', s.offset + 0x16, 'SR-IOV', 'VF Stride is 0 with more than one VF (Linux rejects SR-IOV: -EIO)'));
  const first = pfRid + s.firstVfOffset;
  const last = numVfs > 0 ? first + (numVfs - 1) * s.vfStride : first;
  let maxBus = pf.bus;
  if (numVfs > 0) {
    // the highest RID that is still a BDF: the last VF's, or the last one at or below 0xffff
    const top = last <= 0xffff ? last : s.vfStride === 0 ? first : first + Math.floor((0xffff - first) / s.vfStride) * s.vfStride;
    if (top <= 0xffff && top >= first) maxBus = Math.max(maxBus, top >> 8);
  }
  if (numVfs > 0 && last > 0xffff) issues.push(issue('BAD_LENGTH', s.offset + 0x14, 'SR-IOV', 'VF routing IDs run past bus 255'));
  return { first, stride: s.vfStride, count: numVfs, last, maxBus, issues };
}
