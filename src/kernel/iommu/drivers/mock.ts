// A fake vendor for core tests (as iommufd's selftest mock_ops): ATS on in every paging or
// IDENTITY domain when pci_ats_supported, off in BLOCKED; PASIDs accepted on any RID domain.
import { pciAtsSupported } from '../../pci/ats.js';
import { MMU_INITIAL } from '../../state.js';
import { OK, dev, log, setDev, type Tx } from '../../tx.js';
import type { DomainKind } from '../../types.js';
import { isNoAtsDomain, type IommuOps } from '../ops.js';

function attachDev(tx: Tx, name: string, dom: DomainKind): void {
  const on = dom !== 'blocked' && !isNoAtsDomain(dom) && pciAtsSupported(tx.p, name);
  log(tx, 'mock_domain_attach_device', name, 'mock', `${dom} ats=${on ? 1 : 0}`);
  setDev(tx, name, { mmu: { ...dev(tx, name).mmu, atsEnabled: on } });
}

export const mockOps: IommuOps = {
  id: 'mock',
  hasBlockedDomain: () => true,
  hasIdentityDomain: true,
  probeDevice: (tx, name) => {
    setDev(tx, name, { mmu: { ...MMU_INITIAL, ssidBits: 20 } });
    return OK;
  },
  reprobeAts: () => undefined,
  attachCheck: () => OK,
  attachDev,
  setDevPasid: () => OK,
  removeDevPasid: () => undefined,
  releaseDevice: (tx, name) => setDev(tx, name, { mmu: MMU_INITIAL }),
  atsSupported: (x) => pciAtsSupported(x.p, x.info.name),
  translatedAccepted: (x) => x.domain !== null && x.d.mmu.atsEnabled,
};
