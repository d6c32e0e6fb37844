// R4.33–R4.35 MSI and the IOMMU: drivers/iommu/iommu.c iommu_dma_prepare_msi (ARM: GICv3
// ITS doorbell reached through the IOMMU, CONFIG_IRQ_MSI_IOMMU) versus x86 interrupt remapping.
import { msiThroughIommu } from '../platform-index.js';
import type { MsiSetup } from '../state.js';
import { dev, grp, log, type Tx } from '../tx.js';
import type { DomainKind, MsiState } from '../types.js';
import { hasMsiCookie } from './ops.js';

/** Called when a bound driver allocates its vectors (R4.34: "only once a driver actually
 * requests some MSI vectors", Robin). Returns where the doorbell was set up. */
export function iommuDmaPrepareMsi(tx: Tx, name: string): MsiSetup {
  if (!msiThroughIommu(tx.p)) {
    log(tx, 'pci_alloc_irq_vectors', name, 'R4.35', 'interrupt remapping: independent of the DMA domain');
    return 'x86';
  }
  const dom = dev(tx, name).probeErr === null ? grp(tx, name).domain : null;
  if (dom === null || dom === 'identity') {
    log(tx, 'iommu_dma_prepare_msi', name, 'R4.33', `${dom ?? 'no domain'}: physical ITS doorbell`);
    return 'phys';
  }
  if (hasMsiCookie(dom)) {
    log(tx, 'iommu_dma_prepare_msi', name, 'R4.33', `${dom}: doorbell page mapped through the cookie`);
    return dom;
  }
  if (dom === 'empty-paging') {
    // 6.1: prepare_msi returns 0 without a cookie; the physical doorbell is not mapped in the
    // paging domain, so the writes fault (INFERRED from the 6.1 cookie check)
    log(tx, 'iommu_dma_prepare_msi', name, 'R4.33', 'empty paging domain without cookie: doorbell unmapped');
    return 'failed';
  }
  log(tx, 'iommu_dma_prepare_msi', name, 'R4.33', `${dom}: cookie NONE -> -EOPNOTSUPP, vector allocation fails`);
  return 'failed';
}

/** Derived: does the vector set up at `setup` reach the CPU while the group is in `dom`? */
export function msiDelivery(setup: MsiSetup, dom: DomainKind | null): MsiState {
  switch (setup) {
    case 'none':
      return 'n/a';
    case 'failed':
      return 'failed';
    case 'x86':
      return 'works'; // R4.35
    case 'stale':
      return 'lost'; // R4.34: the new user domain does not inherit the doorbell mapping
    case 'phys':
      return dom === null || dom === 'identity' ? 'works' : 'lost';
    default:
      return dom === setup ? 'works' : 'lost'; // R4.34 / R6.4
  }
}
