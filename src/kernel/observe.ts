// The derived view (types.ts DeviceObs): hardware consequences computed from state, never
// stored (ARCHITECTURE.md "Hardware consequences are derived").
import type { Platform } from './platform.js';
import { boundDmaMode } from './base/dma-mode.js';
import { viewOf } from './iommu/ops.js';
import { msiDelivery } from './iommu/msi.js';
import { iommuOpsFor } from './iommu/registry.js';
import { platIndex } from './platform-index.js';
import { profileOf } from './profiles.js';
import type { KState } from './state.js';
import { devAt, grpAt, newTx, type Tx } from './tx.js';
import type { DeviceObs, DomainKind, Observation, Reach } from './types.js';
import type { Variant } from './variants.js';

/** What untranslated DMA from a member of the group reaches in `dom` (R4.11, R4.33, R6.3). */
function reachOf(tx: Tx, name: string, dom: DomainKind): Reach {
  if (dom === 'none' || dom === 'blocked' || dom === 'empty-paging') return 'none';
  if (dom === 'identity') return 'all';
  if (dom === 'unmanaged' || dom === 'nested') return 'mapped';
  if (dom === 'rmr-blocking') return 'reserved'; // D5: only the validated RMR ranges
  const ix = tx.ix;
  const members = ix.groups[ix.byName.get(name)!.group].members.map((m) => ({ i: ix.devs[m], d: devAt(tx, m) })).filter((x) => x.d.present && x.d.probeErr === null);
  if (dom === 'dma' || dom === 'dma-fq') {
    if (members.some((x) => x.d.dmaUser)) return 'mapped'; // a DMA-API driver maps into the shared domain
    if (members.some((x) => x.i.hasDirectRegions)) return 'reserved'; // R4.11 direct mappings
  }
  if (members.some((x) => x.d.msi === dom)) return 'msi-doorbell'; // R4.33 doorbell page
  return 'none';
}

function rmrReachable(tx: Tx, name: string, dom: DomainKind): boolean {
  if (!tx.ix.byName.get(name)!.hasDirectRegions) return false;
  return dom === 'identity' || dom === 'dma' || dom === 'dma-fq' || dom === 'rmr-blocking';
}

export function observeDevice(tx: Tx, name: string): DeviceObs {
  const x = viewOf(tx, name);
  const { info: i, d } = x;
  const desc = i.desc;
  const probed = d.present && d.probeErr === null;
  const dom: DomainKind = probed ? (x.domain ?? 'none') : 'none';
  const ops = iommuOpsFor(tx.p);
  const tr = probed && ops.translatedAccepted(x);
  const pfStu = i.physfn === null ? d.pci.atsStu : devAt(tx, i.physfn).pci.atsStu;
  const usesMsi = d.drv === 'own' && desc.driver !== null && desc.driver.usesMsi;
  return {
    name,
    present: d.present,
    accepted: d.accepted,
    optedIn: d.optedIn,
    untrusted: i.untrusted,
    isBridge: i.isBridge,
    isVf: i.isVf,
    requireDirect: i.requireDirect,
    cxlCache: i.cxlCache,
    driver: d.drv === 'own' ? (desc.driver?.name ?? null) : d.drv === 'vfio' ? 'vfio-pci' : null,
    dmaMode: d.present ? boundDmaMode(tx.v, i, d) : null,
    usesMsi,
    group: probed ? tx.ix.groups[i.group].id : null,
    domain: dom,
    groupOwned: probed && grpAt(tx, i.group).owner !== null,
    pasidsAttached: d.pasid ? 1 : 0,
    pciPasidEnabled: d.pci.pasidEnabled,
    atsEnabled: d.pci.atsEnabled,
    stu: d.pci.atsEnabled ? pfStu : null,
    translatedAccepted: tr,
    untranslated: probed ? reachOf(tx, name, dom) : 'none',
    rmrReachable: probed && rmrReachable(tx, name, dom),
    msi: usesMsi ? msiDelivery(d.msi, probed ? x.domain : null) : 'n/a',
    cxlHpa: i.cxlCache && d.pci.atsEnabled && tr,
  };
}

export function observe(p: Platform, v: Variant, s: KState): Observation {
  const tx = newTx(p, v, s);
  void profileOf;
  const devices: Record<string, DeviceObs> = {};
  for (const i of platIndex(p).devs) devices[i.name] = observeDevice(tx, i.name);
  return { devices };
}
