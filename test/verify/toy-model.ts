// A toy KernelModel for verifier tests: small, obvious, and written to be simpler than the
// real model (fast-check guide: the model must be simpler than the system). It is NOT the
// kernel. Rules:
//   - probe(d): d absent, its parent (if any) present. remove(d): d present, has a parent,
//     no present child. accept(d): present, not accepted. bind(d): present, has a driver,
//     not bound (under boot-dma-security refused with -EPERM unless accepted; a device
//     named "*-defer" is refused with -EPROBE_DEFER). unbind(d): bound.
//   - domain: none when absent; a bound NORMAL driver puts the device in 'dma'; otherwise
//     'blocked' under boot-dma-security and 'dma' without it.
//   - ATS (capability present, not untrusted): on 'intel' whenever present (like R5.13), on
//     other IOMMUs only in 'dma'. Translated accepted iff ATS on.
//   - MSI: a bound MSI driver works unless its device is 'blocked' on 'arm-smmu-v3'.
//   - untrusted: the parent is external-facing. Group = own name.
import type { DeviceObs, KEvent, KernelModel, Observation, StepResult } from '../../src/kernel/types.js';
import type { DeviceDesc, Platform } from '../../src/kernel/platform.js';
import { DEFAULT_FEATURES } from '../../src/kernel/platform.js';
import type { Variant } from '../../src/kernel/variants.js';
import { pciFn, ACS_ISOLATED } from '../support/pcifn.js';

export interface ToyDev {
  readonly p: boolean; // present
  readonly a: boolean; // accepted
  readonly b: boolean; // driver bound
}
export type ToyState = Readonly<Record<string, ToyDev>>;
const ABSENT: ToyDev = { p: false, a: false, b: false };

function desc(p: Platform, name: string): DeviceDesc {
  const d = p.devices.find((x) => x.name === name);
  if (d === undefined) throw new Error(`toy: no device ${name}`);
  return d;
}

export const kernelModel: KernelModel<ToyState> = {
  init: (p) => Object.fromEntries(p.devices.map((d) => [d.name, ABSENT])),
  enabled(p, _v, s) {
    const out: KEvent[] = [];
    for (const d of p.devices) {
      const x = s[d.name];
      if (!x.p) {
        if (d.parent === null || s[d.parent]?.p) out.push({ kind: 'probe', dev: d.name });
        continue;
      }
      const hasChild = p.devices.some((c) => c.parent === d.name && s[c.name].p);
      if (d.parent !== null && !hasChild) out.push({ kind: 'remove', dev: d.name });
      if (!x.a) out.push({ kind: 'accept', dev: d.name });
      if (d.driver !== null && !x.b) out.push({ kind: 'bind', dev: d.name });
      if (x.b) out.push({ kind: 'unbind', dev: d.name });
    }
    return out;
  },
  step(p, v, s, e): StepResult<ToyState> {
    const x = s[e.dev];
    const put = (nx: ToyDev): StepResult<ToyState> => ({ state: { ...s, [e.dev]: nx }, trace: [], ret: { ok: true } });
    switch (e.kind) {
      case 'probe':
        return put({ p: true, a: false, b: false });
      case 'remove':
        return put(ABSENT);
      case 'accept':
        return put({ ...x, a: true });
      case 'bind':
        if (e.dev.endsWith('-defer')) return { state: s, trace: [], ret: { ok: false, errno: 'EPROBE_DEFER', why: 'toy: deferred' } };
        if (v.bootDmaSecurity && !x.a) return { state: s, trace: [], ret: { ok: false, errno: 'EPERM', why: 'toy: not accepted' } };
        return put({ ...x, b: true });
      case 'unbind':
        return put({ ...x, b: false });
      default:
        throw new Error(`toy: event ${e.kind} not modelled`);
    }
  },
  observe(p, v, s): Observation {
    const devices: Record<string, DeviceObs> = {};
    for (const d of p.devices) devices[d.name] = toyObs(p, v, s, d);
    return { devices };
  },
  key: (s) =>
    Object.keys(s)
      .sort()
      .map((k) => `${k}:${+s[k].p}${+s[k].a}${+s[k].b}`)
      .join(','),
};

function toyObs(p: Platform, v: Variant, s: ToyState, d: DeviceDesc): DeviceObs {
  const x = s[d.name];
  const isBridge = d.config.header?.headerType === 1;
  const untrusted = d.parent !== null && desc(p, d.parent).externalFacing;
  const normalBound = x.b && d.driver?.dmaMode === 'normal';
  const domain = !x.p ? 'none' : normalBound ? 'dma' : v.bootDmaSecurity ? 'blocked' : 'dma';
  const ats = x.p && d.config.ats !== undefined && !untrusted && (p.iommu === 'intel' || domain === 'dma');
  const usesMsi = x.b && (d.driver?.usesMsi ?? false);
  return {
    name: d.name,
    present: x.p,
    accepted: x.a,
    optedIn: false,
    untrusted,
    isBridge,
    isVf: d.physfn !== undefined,
    requireDirect: false,
    cxlCache: d.config.dvsecs.some((dv) => dv.cxlDevice?.cacheCapable === true),
    driver: x.b ? (d.driver?.name ?? null) : null,
    dmaMode: x.b ? (d.driver?.dmaMode ?? null) : null,
    usesMsi,
    group: x.p ? d.name : null,
    domain,
    groupOwned: false,
    pasidsAttached: 0,
    pciPasidEnabled: false,
    atsEnabled: ats,
    stu: ats ? 12 : null,
    translatedAccepted: ats,
    untranslated: domain === 'dma' ? 'mapped' : 'none',
    rmrReachable: false,
    msi: !usesMsi ? 'n/a' : domain === 'blocked' && p.iommu === 'arm-smmu-v3' ? 'failed' : 'works',
    cxlHpa: ats,
  };
}

// ---- toy platforms ----

export function rootPort(name: string, bdf: string, externalFacing = false): DeviceDesc {
  return {
    name,
    bdf,
    parent: null,
    config: pciFn({ bdf, type: 'root-port', acs: ACS_ISOLATED }),
    externalFacing,
    reservedRegions: [],
    driver: { name: 'pcieport', dmaMode: 'no-dma', usesMsi: true },
  };
}

export function endpoint(name: string, bdf: string, parent: string, opts: { ats?: boolean; cxl?: boolean; driver?: boolean } = {}): DeviceDesc {
  return {
    name,
    bdf,
    parent,
    config: pciFn({ bdf, ats: opts.ats ? {} : false, cxl: opts.cxl ? { cache: true, mem: true } : false }),
    externalFacing: false,
    reservedRegions: [],
    driver: opts.driver === false ? null : { name: `${name}-drv`, dmaMode: 'normal', usesMsi: true },
  };
}

export function toyPlatform(devices: DeviceDesc[], iommu: Platform['iommu'] = 'arm-smmu-v3'): Platform {
  return { name: 'toy', iommu, features: DEFAULT_FEATURES, cmdline: { raw: '', noats: false }, ccGuest: false, devices };
}
