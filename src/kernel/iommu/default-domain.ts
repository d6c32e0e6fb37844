// R4.1–R4.10 drivers/iommu/iommu.c: the global default domain type (iommu_subsys_init,
// iommu_set_def_domain_type, iommu_dma_setup) and the per-group type
// (iommu_get_def_domain_type, iommu_get_default_domain_type, R2.6 untrusted override).
import type { Platform } from '../platform.js';
import type { DefaultType } from '../state.js';
import { dev, info, log, presentMembers, type Tx } from '../tx.js';
import type { Errno } from '../types.js';
import type { Profile } from '../profiles.js';
import { iommuOpsFor } from './registry.js';

/** CONFIG_IOMMU_DEFAULT_* (R4.1): drivers/iommu/Kconfig defaults DMA_LAZY on X86, DMA_STRICT
 * elsewhere. Passthrough builds are modelled by passing 'passthrough'. */
export type BuildDefault = 'passthrough' | 'dma-lazy' | 'dma-strict';
export function kconfigDefault(p: Platform): BuildDefault {
  return p.iommu === 'arm-smmu-v3' ? 'dma-strict' : 'dma-lazy';
}

/** R4.4a iommu_set_dma_strict() called by the vendor driver at init, after the command line
 * was parsed (so it overrides iommu.strict=0). Kernel source read:
 * - drivers/iommu/intel/iommu.c: intel_iommu_init: "if (cap_caching_mode(iommu->cap) &&
 *   !first_level_by_default(iommu))" → pr_info_once("IOMMU batching disallowed due to
 *   virtualization"), iommu_set_dma_strict(). first_level_by_default: false in legacy mode;
 *   in scalable mode ECAP.FLTS when only one of FLTS/SLTS is there, else true. v6.1 tests
 *   cap_caching_mode alone (the first-level exemption came in 2023, ≈ v6.4).
 * - drivers/iommu/amd/init.c: iommu_init_pci: "if (iommu->cap & (1UL << IOMMU_CAP_NPCACHE))"
 *   → "Using strict mode due to virtualization", iommu_set_dma_strict() (6.1 and mainline).
 * - A confidential-compute guest on x86 is modelled as having such a virtualised IOMMU
 *   (the model's rule before these features existed; kept so CC-guest verdicts stay). */
export function driverForcesStrict(p: Platform, prof?: Profile): string | null {
  const f = p.features;
  if (p.iommu === 'intel' || p.iommu === 'intel-legacy') {
    const firstLevel = p.iommu === 'intel' && f.intelFlts && (prof?.intelCmFirstLevelExempt ?? true);
    if (f.intelCachingMode && !firstLevel) return 'VT-d Caching Mode: IOMMU batching disallowed due to virtualization';
  }
  if (p.iommu === 'amd' && f.amdNpCache) return 'AMD-Vi NpCache: Using strict mode due to virtualization';
  if (p.ccGuest && p.iommu !== 'arm-smmu-v3') return 'confidential-compute guest (virtualised IOMMU)';
  return null;
}

/** R4.2–R4.4b: the global default domain type. */
export function globalDefaultType(p: Platform, build: BuildDefault = kconfigDefault(p), prof?: Profile): { type: DefaultType; rule: string; why: string } {
  const arm = p.iommu === 'arm-smmu-v3';
  let pt = build === 'passthrough';
  let strict = build === 'dma-strict';
  let rule = 'R4.1';
  let why = `CONFIG_IOMMU_DEFAULT_${build.toUpperCase().replace('-', '_')}`;
  let cmdPt = p.cmdline.passthrough;
  // R4.4b: `iommu=pt` is x86's; on arm64 only iommu.passthrough= counts
  if (arm && cmdPt !== undefined && !/\biommu\.passthrough=/.test(p.cmdline.raw)) cmdPt = undefined;
  if (cmdPt !== undefined) {
    pt = cmdPt;
    rule = 'R4.2';
    why = `command line passthrough=${cmdPt ? 1 : 0}`;
  } else if (pt && p.ccGuest) {
    pt = false; // R4.3 iommu_subsys_init: CC_ATTR_MEM_ENCRYPT → translated
    rule = 'R4.3';
    why = 'memory encryption: passthrough default becomes translated';
  }
  if (p.cmdline.strict !== undefined) strict = p.cmdline.strict; // R4.2 iommu.strict
  const forced = driverForcesStrict(p, prof);
  if (forced !== null && !pt && !strict) return { type: 'dma', rule: 'R4.4a', why: `${why}; iommu_set_dma_strict(): ${forced}` };
  if (pt) return { type: 'identity', rule, why };
  return { type: strict ? 'dma' : 'dma-fq', rule: rule === 'R4.1' ? 'R4.4' : rule, why };
}

const PLATFORM_DEFAULT = new WeakMap<Platform, Map<Profile, ReturnType<typeof globalDefaultType>>>();
/** globalDefaultType(p) with the Kconfig default, once per Platform and profile (a pure
 * function of both; asked at every group's default-domain setup). */
function platformDefaultType(p: Platform, prof: Profile): ReturnType<typeof globalDefaultType> {
  let byProf = PLATFORM_DEFAULT.get(p);
  if (byProf === undefined) PLATFORM_DEFAULT.set(p, (byProf = new Map()));
  let g = byProf.get(prof);
  if (g === undefined) {
    g = globalDefaultType(p, kconfigDefault(p), prof);
    byProf.set(prof, g);
  }
  return g;
}

/** R4.5 iommu_get_def_domain_type for one device: SMMUv3 R5.9 and the device's driver
 * preference given by the platform (DriverDesc.defDomainType, ops->def_domain_type-style). */
function defDomainTypeOf(tx: Tx, name: string): 'identity' | 'dma' | null {
  return info(tx, name).desc.driver?.defDomainType ?? iommuOpsFor(tx.p).defDomainType?.(tx, name) ?? null;
}

/** R4.6–R4.10 iommu_get_default_domain_type over the group's present members; `target` is an
 * explicit type written to sysfs (R4.9, group-type events). */
export function groupDefaultType(tx: Tx, name: string, target?: DefaultType): { type: DefaultType } | { errno: Errno; why: string } {
  let req: 'identity' | 'dma' | null = null;
  let untrusted: string | null = null;
  for (const m of presentMembers(tx, name)) {
    if (dev(tx, m).probeErr !== null) continue;
    const t = defDomainTypeOf(tx, m);
    if (t !== null && req !== null && t !== req) {
      log(tx, 'iommu_get_def_domain_type', m, 'R4.6', `conflicting def_domain_type ${req}/${t}: IDENTITY takes precedence`);
      if (t === 'identity') req = t;
    } else if (t !== null) req = t;
    if (info(tx, m).untrusted) untrusted = m;
  }
  if (untrusted !== null) {
    if (req !== null && req !== 'dma') {
      // R2.6 "Device is not trusted, but driver is overriding group ... refusing to probe"; kernel
      // source read: iommu_setup_default_domain returns -EINVAL when req_type < 0
      log(tx, 'iommu_get_default_domain_type', untrusted, 'R2.6', `untrusted device, driver requests ${req}: refusing to probe`);
      return { errno: 'EINVAL', why: `untrusted ${untrusted} in a group whose driver requests ${req} (R2.6)` };
    }
    log(tx, 'iommu_get_default_domain_type', untrusted, 'R2.6', 'untrusted: IOMMU_DOMAIN_DMA forced (strict)');
    req = 'dma';
    if (target === undefined) return { type: 'dma' };
  }
  if (target !== undefined) {
    // R4.9 explicit target (sysfs `type`): iommu_get_default_domain_type returns -1 when a
    // member's preference differs (6.1: iommu_change_dev_def_domain "Device cannot be in %s domain")
    if (req !== null && req !== target) {
      log(tx, 'iommu_get_default_domain_type', name, 'R4.9', `target ${target} differs from the required ${req}: -EINVAL`);
      return { errno: 'EINVAL', why: `the group requires ${req}, not ${target} (R4.9)` };
    }
    return { type: target };
  }
  if (req !== null) return { type: req }; // R4.10: a requested type is allocated exactly
  const g = platformDefaultType(tx.p, tx.prof);
  log(tx, 'iommu_group_alloc_default_domain', name, g.rule, `${g.type} (${g.why})`);
  return { type: g.type };
}
