// A small host as a fake sysfs tree for the agent's tests: a root port with a NIC, an
// external-facing port with a CXL.cache device (removable), and a two-function group.
import { buildConfigSpace } from '../../../src/pci/builder.js';
import { makeFakeSysfs, type FakeTree } from '../../support/fake-sysfs.js';
import { addWritableAttrs } from './fake-kernel.js';

export const RP = '0000:00:01.0';
export const NIC = '0000:01:00.0';
export const RPX = '0000:00:02.0';
export const EXT = '0000:02:00.0';
export const LEG = '0000:00:03.0';
export const FPGA = '0000:03:00.0';

export const cfg = {
  port: buildConfigSpace({ vendor: 0x8086, device: 0x7075, type: 'root-port', msi: true, acs: true }).bytes,
  nic: buildConfigSpace({ vendor: 0x15b3, device: 0x1017, class: 0x020000, ats: { pageAligned: true }, msix: true, sriov: { totalVfs: 4 } }).bytes,
  ext: buildConfigSpace({ vendor: 0x1e98, device: 0x0c02, class: 0x120000, ats: { pageAligned: true }, msix: true, cxl: { cache: true } }).bytes,
  fpga: buildConfigSpace({ vendor: 0x10ee, device: 0x9038, class: 0x120000, msi: true }).bytes,
  other: buildConfigSpace({ vendor: 0x15b3, device: 0x1017, class: 0x020000, ats: { pageAligned: false }, msix: true }).bytes,
};

/** Drivers the fake kernel matches on drivers_probe. */
export const MATCHES: Readonly<Record<string, string>> = { [RP]: 'pcieport', [RPX]: 'pcieport', [LEG]: 'pcieport', [NIC]: 'mlx5_core', [EXT]: 'cxl_accel', [FPGA]: 'xdma' };

export function hostTree(o: { bound?: Partial<Record<string, string>> } = {}): FakeTree {
  const b = o.bound ?? {};
  const t = makeFakeSysfs({
    iommuUnits: ['dmar0'],
    groups: [{ id: 1, type: 'DMA' }, { id: 2, type: 'DMA' }, { id: 3, type: 'DMA' }, { id: 4, type: 'DMA' }, { id: 5, type: 'DMA' }],
    fns: [
      { name: RP, config: cfg.port, group: 1, driver: b[RP] },
      { name: NIC, parent: RP, config: cfg.nic, group: 2, driver: b[NIC] },
      { name: RPX, config: cfg.port, group: 3, driver: b[RPX] },
      { name: EXT, parent: RPX, config: cfg.ext, group: 4, removable: 'removable', driver: b[EXT] },
      { name: LEG, config: cfg.port, group: 5, driver: b[LEG] },
      { name: FPGA, parent: LEG, config: cfg.fpga, group: 5, driver: b[FPGA] },
    ],
    cmdline: 'root=/dev/sda1 intel_iommu=on',
  });
  addWritableAttrs(t.root, ['pcieport', 'mlx5_core', 'cxl_accel', 'xdma', 'vfio-pci']);
  return t;
}
