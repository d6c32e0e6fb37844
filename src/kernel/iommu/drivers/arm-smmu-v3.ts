// drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c (mainline ≈ v7.0, R5.1–R5.10) with the RFC's
// "ATS always on" (A1–A6, RFCv1 3/3 "iommu/arm-smmu-v3: Allow ATS to be always on") under
// variant.atsAlwaysOn, and nested vEATS (arm-smmu-v3-iommufd.c, R5.7).
//
// Kernel source read (RFCv1 3/3 patch text, stored copy): arm_smmu_blocking_set_dev_pasid
// skips the downgrade "if (!master->ats_always_on && !arm_smmu_ssids_in_use(...))" for every
// RID domain, so an always-on master whose RID is BLOCKED keeps its CD-table STE
// (S1DSS=TERMINATE, EATS=1) and PCI ATS after its last PASID goes away (A5 below; the D2
// variant, a rule for every vendor, downgrades it).
import { DEV_ABSENT, MMU_INITIAL } from '../../state.js';
import { OK, dev, fail, grp, info, log, setDev, type Tx } from '../../tx.js';
import type { DomainKind, KReturn } from '../../types.js';
import { pciAtsAlwaysOnDev } from '../../pci/always-on.js';
import { atsPolicyAllows, isNoAtsDomain, isPaging, viewOf, type DevView, type IommuOps } from '../ops.js';
import * as pci from '../pci-calls.js';
import { pciAtsSupported } from '../../pci/ats.js';

/** R5.1 arm_smmu_ats_supported: IDR0.ATS, IORT/DT root-complex ATS, pci_ats_supported. */
function armSmmuAtsSupported(x: DevView): boolean {
  const f = x.p.features;
  return f.smmuAts && f.rcAts && pciAtsSupported(x.p, x.info.name) && atsPolicyAllows(x.v, x.info, x.d);
}

const stu = (tx: Tx): number => tx.p.features.smmuPageShift; // __ffs(smmu->pgsize_bitmap)

/** A1 arm_smmu_master_prepare_ats (RFC) / R5.2 step 3 pci_prepare_ats (mainline ≈ v6.13+). */
function armSmmuMasterPrepareAts(tx: Tx, name: string): void {
  const x = viewOf(tx, name);
  if (!armSmmuAtsSupported(x)) return; // A1: ATS never used
  if (tx.v.atsAlwaysOn) {
    const ao = pciAtsAlwaysOnDev(tx.p, name);
    log(tx, 'pci_ats_always_on', name, ao.rule, `${ao.value} (${ao.why})`);
    if (ao.value) {
      if (!tx.p.features.s1 || tx.p.features.ssidBits === 0) {
        log(tx, 'arm_smmu_master_prepare_ats', name, 'A1', 'dev_info_once "SMMU doesn\'t support ATS to be always on": on-demand fallback');
      } else {
        // A1/A2: CD table allocated at probe, S1CDMAX = max(ssid_bits, 1)
        setDev(tx, name, { mmu: { ...dev(tx, name).mmu, alwaysOn: true, cdTable: true } });
        log(tx, 'arm_smmu_alloc_cd_tables', name, 'A2', `ats_always_on: S1CDMAX=${Math.max(dev(tx, name).mmu.ssidBits, 1)}`);
      }
    }
  }
  if (tx.prof.pciPrepareAts) {
    const r = pci.pciPrepareAts(tx, name, stu(tx));
    log(tx, 'pci_prepare_ats', name, 'R5.2', `ps=${stu(tx)} -> ${r}`);
  }
}

/** R5.2 arm_smmu_probe_device: PASID first (PCIe r4.0 §10.5.1.3), stall policy, then ATS prep. */
function probeDevice(tx: Tx, name: string): KReturn {
  const f = tx.p.features;
  const smmuSsidBits = f.s1 ? f.ssidBits : 0;
  let ssid = 0;
  if (info(tx, name).pasidCap && smmuSsidBits > 0) {
    // arm_smmu_enable_pasid: pci_enable_pasid(pdev, pci_pasid_features(pdev))
    const r = pci.pciEnablePasid(tx, name, pci.pasidFeatures(tx, name));
    if (r === 0) ssid = Math.min(Math.log2(Math.max(pci.pciMaxPasids(tx, name), 1)), smmuSsidBits);
    log(tx, 'arm_smmu_enable_pasid', name, 'R5.2', `pci_enable_pasid -> ${r}; ssid_bits=${ssid}`);
  }
  setDev(tx, name, { mmu: { ...MMU_INITIAL, ssidBits: ssid } });
  armSmmuMasterPrepareAts(tx, name);
  return OK;
}

function reprobeAts(tx: Tx, name: string): void {
  armSmmuMasterPrepareAts(tx, name);
}

/** R5.7 nested attach is refused while PASIDs are in use; R5.4 S2 likewise (not modelled: our
 * user domains are stage 1). */
function attachCheck(tx: Tx, name: string, dom: DomainKind): KReturn {
  if (dom === 'nested' && dev(tx, name).pasid) return fail('EBUSY', 'arm_smmu_attach_dev_nested: PASIDs in use (R5.7)');
  return OK;
}

/** R5.3 arm_smmu_attach_prepare → install STE → arm_smmu_attach_commit; R5.4/R5.5/A3/A4. */
function attachDev(tx: Tx, name: string, dom: DomainKind): void {
  const d = dev(tx, name);
  const ssidsInUse = d.pasid; // arm_smmu_ssids_in_use(&master->cd_table)
  let cdNeedsAts = false;
  let tracking = false; // devices-tracking domain: paging, SVA, nested (its S2 parent)
  let disableAts = false;
  let ste: string;
  if (dom === 'identity') {
    cdNeedsAts = d.mmu.alwaysOn || ssidsInUse; // A3 / R5.5 arm_smmu_attach_dev_identity → _ste
    ste = cdNeedsAts ? 'CD-table STE S1DSS=BYPASS' : 'bypass STE (EATS ignored)';
  } else if (dom === 'blocked') {
    cdNeedsAts = ssidsInUse; // A4: ats_always_on passed as false; R5.5 PASIDs keep the CD table
    ste = cdNeedsAts ? 'CD-table STE S1DSS=TERMINATE' : 'abort STE (EATS ignored)';
  } else if (dom === 'nested') {
    tracking = true;
    disableAts = d.mmu.vEats !== true; // R5.7 vSTE S1_TRANS: disable_ats = !enable_ats
    ste = `nested STE (vSTE S1_TRANS, vEATS=${d.mmu.vEats === true ? 1 : 0})`;
  } else {
    tracking = isPaging(dom);
    disableAts = isNoAtsDomain(dom); // VERIFICATION: the new no-ATS domains are honoured
    ste = `S1 CD-table STE S1DSS=SSID0 (${dom})`;
  }
  const ats = (tracking || cdNeedsAts) && !disableAts && armSmmuAtsSupported(viewOf(tx, name));
  const was = d.mmu.atsEnabled;
  if (!ats && was) {
    // R5.3 prepare: pci_disable_ats before the STE changes (avoid UR AER noise)
    const r = pci.pciDisableAts(tx, name);
    log(tx, 'arm_smmu_attach_prepare', name, 'R5.3', `pci_disable_ats -> ${r}`);
  }
  log(tx, 'arm_smmu_install_ste_for_dev', name, cdNeedsAts ? (dom === 'identity' && d.mmu.alwaysOn ? 'A3' : 'R5.5') : 'R5.4', `${ste}, EATS=${ats ? 1 : 0}`);
  if (ats && !was) {
    // R5.3 commit false→true: invalidate the whole ATC, then pci_enable_ats(stu)
    const r = pci.pciEnableAts(tx, name, stu(tx));
    log(tx, 'arm_smmu_attach_commit', name, 'R5.3', `ATC inv all; pci_enable_ats(${stu(tx)}) -> ${r}`);
  } else if (!ats && was) {
    log(tx, 'arm_smmu_attach_commit', name, 'R5.3', 'ATC inv all');
  }
  setDev(tx, name, { mmu: { ...dev(tx, name).mmu, atsEnabled: ats, cdTable: dev(tx, name).mmu.cdTable || cdNeedsAts } });
}

/** R5.6 arm_smmu_set_pasid: needs a CD-table RID STE or an IDENTITY/BLOCKED RID domain. */
function setDevPasid(tx: Tx, name: string): KReturn {
  const dom = grp(tx, name).domain;
  if (dom === 'nested') return fail('EINVAL', 'arm_smmu_set_pasid: RID STE is nested, not a CD-table STE (R5.6)');
  if (!tx.prof.smmuAttachRework && (dom === 'identity' || dom === 'empty-paging')) {
    return fail('EINVAL', 'v6.1 SMMUv3: no CD table behind an IDENTITY RID (pre-rework; INFERRED)');
  }
  setDev(tx, name, { mmu: { ...dev(tx, name).mmu, cdTable: true } });
  log(tx, 'arm_smmu_set_pasid', name, 'R5.6', 'CD written for the PASID');
  if (dom === 'identity' || dom === 'blocked') {
    log(tx, 'arm_smmu_update_ste', name, 'R5.6', `RID ${dom}: hitless switch to a CD-table STE`);
    attachDev(tx, name, dom);
  }
  return OK;
}

/** R5.6 arm_smmu_blocking_set_dev_pasid: last PASID gone → re-attach the RID domain; A5: not
 * for always-on masters (any RID domain, per the RFC patch text). */
function removeDevPasid(tx: Tx, name: string): void {
  const d = dev(tx, name);
  const dom = grp(tx, name).domain;
  log(tx, 'arm_smmu_blocking_set_dev_pasid', name, 'R4.32a', 'CD cleared');
  if (d.pasid) return;
  // D2 (every vendor: BLOCKED without PASIDs ⇒ no ATS) overrides A5's blanket skip for a
  // BLOCKED RID; without D2 the RFC as posted keeps EATS=1 there (see the header note)
  if (d.mmu.alwaysOn && !(dom === 'blocked' && tx.v.d2BlockedMeansNoAts)) {
    log(tx, 'arm_smmu_blocking_set_dev_pasid', name, 'A5', `ats_always_on: RID STE not downgraded (RID ${dom ?? 'none'})`);
    return;
  }
  if (dom === 'identity' || dom === 'blocked') attachDev(tx, name, dom);
}

/** R4.14 / R5.8 arm_smmu_release_device: STE bypass if require_direct else abort; PASID off. */
function releaseDevice(tx: Tx, name: string): void {
  const d = dev(tx, name);
  if (d.mmu.atsEnabled) pci.pciDisableAts(tx, name);
  log(tx, 'arm_smmu_release_device', name, 'R4.14', info(tx, name).requireDirect ? 'bypass STE (require_direct)' : 'abort STE');
  if (dev(tx, name).pci.pasidEnabled) pci.pciDisablePasid(tx, name);
  setDev(tx, name, { mmu: DEV_ABSENT.mmu });
}

/** R5.10: Translated accepted iff the installed STE has EATS=1 (= master->ats_enabled). */
function translatedAccepted(x: DevView): boolean {
  return x.domain !== null && x.d.mmu.atsEnabled;
}

export const armSmmuOps: IommuOps = {
  id: 'arm-smmu-v3',
  hasBlockedDomain: (prof) => prof.vendorBlockedDomain, // profiles.ts: 6.1 had none
  hasIdentityDomain: true,
  probeDevice,
  reprobeAts,
  attachCheck,
  attachDev,
  setDevPasid,
  removeDevPasid,
  releaseDevice,
  atsSupported: armSmmuAtsSupported,
  translatedAccepted,
};
