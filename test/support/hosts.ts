// Small fake sysfs hosts several suites share (built with makeFakeSysfs from builder configs).
import { buildConfigSpace } from '../../src/pci/builder.js';
import { makeFakeSysfs, type FakeTree } from './fake-sysfs.js';

/** VT-d host: root port 00:01.0 (pcieport, DMA group 1) above an endpoint 01:00.0 with ATS
 * enabled under an identity group 2 (driver "nic") — the audit's ATS-under-identity case. */
export function atsUnderIdentityHost(o: { reservedRegions?: string } = {}): FakeTree {
  return makeFakeSysfs({
    iommuUnits: ['dmar0'],
    groups: [{ id: 1, type: 'DMA' }, { id: 2, type: 'identity', ...(o.reservedRegions !== undefined ? { reservedRegions: o.reservedRegions } : {}) }],
    fns: [
      { name: '0000:00:01.0', config: buildConfigSpace({ type: 'root-port' }).bytes, driver: 'pcieport', group: 1 },
      { name: '0000:01:00.0', parent: '0000:00:01.0', config: buildConfigSpace({ ats: { enabled: true } }).bytes, driver: 'nic', group: 2 },
    ],
  });
}

/** A PCI bus but no IOMMU unit: the audit's HIGH "no-iommu" finding. */
export function noIommuHost(): FakeTree {
  return makeFakeSysfs({ fns: [{ name: '0000:00:01.0', config: buildConfigSpace({}).bytes }] });
}
