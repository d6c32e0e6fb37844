// Test platforms for the PCI-level model: plain DeviceDesc/Platform data built from
// test/support/pcifn.ts, independent of the scenario loader.
import type { PciFunction } from '../../../src/pci/types.js';
import { DEFAULT_FEATURES, type DeviceDesc, type IommuId, type Platform } from '../../../src/kernel/platform.js';
import { ACS_ISOLATED, pciFn, type FnOpts } from '../../support/pcifn.js';

export interface DevOpts extends FnOpts {
  parent?: string | null;
  physfn?: string;
  externalFacing?: boolean;
  usb4HostInterface?: boolean;
  pasidNoTlp?: boolean;
  dmaAliasOf?: string;
  config?: PciFunction; // overrides the FnOpts-built config
}

export function dev(name: string, bdf: string, o: DevOpts = {}): DeviceDesc {
  return {
    name,
    bdf,
    parent: o.parent ?? null,
    config: o.config ?? pciFn({ ...o, bdf }),
    physfn: o.physfn,
    externalFacing: o.externalFacing ?? false,
    usb4HostInterface: o.usb4HostInterface,
    pasidNoTlp: o.pasidNoTlp,
    dmaAliasOf: o.dmaAliasOf,
    reservedRegions: [],
    driver: null,
  };
}

export function platform(devices: DeviceDesc[], o: { noats?: boolean; iommu?: IommuId; name?: string } = {}): Platform {
  return {
    name: o.name ?? 'test',
    iommu: o.iommu ?? 'arm-smmu-v3',
    features: DEFAULT_FEATURES,
    cmdline: { raw: o.noats ? 'pci=noats' : '', noats: o.noats ?? false },
    ccGuest: false,
    devices,
  };
}

/** A root port with ACS SV|RR|CR|UF enabled. */
export const rp = (name: string, bdf: string, o: DevOpts = {}): DeviceDesc => dev(name, bdf, { type: 'root-port', acs: ACS_ISOLATED, ...o });

/** The reference platform of VERIFICATION.md ("The reference platform"), transcribed from its table. */
export function referenceLike(o: { noats?: boolean } = {}): Platform {
  return platform(
    [
      rp('rp-cxl', '00:01.0'),
      dev('cxl-accel', '01:00.0', { parent: 'rp-cxl', ats: { pageAligned: true }, pasid: { width: 20 }, pri: {}, cxl: { cache: true, mem: true } }),
      rp('rp-nic', '00:02.0'),
      dev('nic-pf', '02:00.0', { parent: 'rp-nic', ats: {}, acs: { cap: 0x0c, ctrl: 0x0c }, sriov: { totalVfs: 8, numVfs: 1 } }),
      dev('nic-vf0', '02:00.1', { parent: 'rp-nic', physfn: 'nic-pf', ats: {} }),
      rp('rp-ext', '00:03.0', { externalFacing: true }),
      dev('ext-cxl', '03:00.0', { parent: 'rp-ext', ats: {}, cxl: { cache: true } }),
      rp('rp-gpu', '00:04.0'),
      dev('gpu', '04:00.0', { parent: 'rp-gpu', ats: {}, pasid: {} }),
      dev('rp-legacy', '00:05.0', { type: 'root-port', acs: false }),
      dev('fpga', '05:00.0', { parent: 'rp-legacy' }),
    ],
    { ...o, name: 'reference-like' },
  );
}
