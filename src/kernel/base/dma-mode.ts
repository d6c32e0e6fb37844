// What a bound driver tells the driver core about DMA (R4.23 driver_managed_dma; D9 enum).
import type { DriverDmaMode } from '../platform.js';
import type { Variant } from '../variants.js';
import type { DevInfo } from '../platform-index.js';
import type { DevState } from '../state.js';

/** The mode of the device's own driver as the model applies it. D9 (Jason, Feb 24) with
 * VERIFICATION "Semantics": under dma-mode-enum pcieport becomes MSI_ONLY (it needs MSI for
 * AER/PME). Without the enum only NORMAL versus driver_managed_dma matters (R4.23). */
export function ownDriverDmaMode(v: Variant, i: DevInfo): DriverDmaMode | null {
  const drv = i.desc.driver;
  if (drv === null) return null;
  if (v.dmaModeEnum && drv.name === 'pcieport') return 'msi-only';
  return drv.dmaMode;
}

/** Mode of the driver currently bound (vfio-pci: MANUAL, R6.1). */
export function boundDmaMode(v: Variant, i: DevInfo, d: DevState): DriverDmaMode | null {
  if (d.drv === 'vfio') return 'manual';
  if (d.drv === 'own') return ownDriverDmaMode(v, i);
  return null;
}

/** The bound driver is MSI_ONLY in the D9 sense (only meaningful under dma-mode-enum). */
export function isMsiOnlyBound(v: Variant, i: DevInfo, d: DevState): boolean {
  return v.dmaModeEnum && boundDmaMode(v, i, d) === 'msi-only';
}
