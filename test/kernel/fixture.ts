// Small platforms for kernel-model tests, built from plain-data PciFunctions (test/support/pcifn.ts).
import type { Cmdline, DeviceDesc, DriverDesc, IommuFeatures, IommuId, Platform, ReservedRegion } from '../../src/kernel/platform.js';
import { DEFAULT_FEATURES } from '../../src/kernel/platform.js';
import { kernelModel } from '../../src/kernel/model.js';
import type { KState } from '../../src/kernel/state.js';
import { parseEvent, type DeviceObs, type KReturn, type TraceEntry } from '../../src/kernel/types.js';
import { parseVariant, type Variant } from '../../src/kernel/variants.js';
import { ACS_ISOLATED, pciFn, type FnOpts } from '../support/pcifn.js';

export const PCIEPORT: DriverDesc = { name: 'pcieport', dmaMode: 'no-dma', usesMsi: true };
export const VFIO_DRV: DriverDesc = { name: 'vfio-pci', dmaMode: 'manual', usesMsi: false };
export const normal = (name = 'drv', usesMsi = true, defDomainType?: 'identity' | 'dma'): DriverDesc => ({ name, dmaMode: 'normal', usesMsi, ...(defDomainType ? { defDomainType } : {}) });
export const RMR: ReservedRegion = { type: 'direct', base: 0x8000_0000n, size: 0x100_0000n, note: 'framebuffer' };
export const RMR_RELAXABLE: ReservedRegion = { type: 'direct-relaxable', base: 0x8000_0000n, size: 0x1000n };

export function rootPort(name: string, bus: number, o: { acs?: boolean; ext?: boolean; driver?: DriverDesc | null } = {}): DeviceDesc {
  const bdf = `00:${bus.toString(16).padStart(2, '0')}.0`;
  return {
    name,
    bdf,
    parent: null,
    config: pciFn({ bdf, type: 'root-port', acs: o.acs === false ? false : ACS_ISOLATED }),
    externalFacing: o.ext ?? false,
    reservedRegions: [],
    driver: o.driver === undefined ? PCIEPORT : o.driver,
  };
}

export interface EpOpts {
  fn?: Omit<FnOpts, 'bdf'>;
  driver?: DriverDesc | null;
  rr?: ReservedRegion[];
  physfn?: string;
  devfn?: string; // "00.0"
}

export function endpoint(name: string, parent: DeviceDesc, bus: number, o: EpOpts = {}): DeviceDesc {
  const bdf = `${bus.toString(16).padStart(2, '0')}:${o.devfn ?? '00.0'}`;
  return {
    name,
    bdf,
    parent: parent.name,
    config: pciFn({ bdf, ...(o.fn ?? {}) }),
    ...(o.physfn ? { physfn: o.physfn } : {}),
    externalFacing: false,
    reservedRegions: o.rr ?? [],
    driver: o.driver === undefined ? normal() : o.driver,
  };
}

export const ATS_DEV: Omit<FnOpts, 'bdf'> = { ats: { pageAligned: true } };
export const CXL_DEV: Omit<FnOpts, 'bdf'> = { ats: { pageAligned: true }, pasid: { width: 20 }, cxl: { cache: true, mem: true } };

export function platform(iommu: IommuId, devices: DeviceDesc[], o: { cmdline?: Partial<Cmdline>; ccGuest?: boolean; features?: Partial<IommuFeatures> } = {}): Platform {
  return {
    name: 'test',
    iommu,
    features: { ...DEFAULT_FEATURES, ...(o.features ?? {}) },
    cmdline: { raw: '', noats: false, ...(o.cmdline ?? {}) },
    ccGuest: o.ccGuest ?? false,
    devices,
  };
}

/** rp + one endpoint: the smallest useful platform. */
export function single(iommu: IommuId, ep: EpOpts = {}, o: Parameters<typeof platform>[2] = {}): Platform {
  const rp = rootPort('rp', 1);
  return platform(iommu, [rp, endpoint('ep', rp, 1, ep)], o);
}

export interface Run {
  s: KState;
  rets: KReturn[];
  trace: TraceEntry[][];
  last: KReturn;
  obs(name: string): DeviceObs;
  step(ev: string): Run;
}

/** Folds events (text form) through the model from boot; every step must not throw. */
export function run(p: Platform, variant: string | Variant, events: string[], from?: KState): Run {
  const v = typeof variant === 'string' ? parseVariant(variant) : variant;
  let s = from ?? kernelModel.init(p, v);
  const rets: KReturn[] = [];
  const trace: TraceEntry[][] = [];
  for (const e of events) {
    const r = kernelModel.step(p, v, s, parseEvent(e));
    s = r.state;
    rets.push(r.ret);
    trace.push([...r.trace]);
  }
  return {
    s,
    rets,
    trace,
    last: rets[rets.length - 1] ?? { ok: true },
    obs: (name) => kernelModel.observe(p, v, s).devices[name],
    step: (ev) => {
      const r = run(p, v, [ev], s);
      return { ...r, rets: [...rets, ...r.rets], trace: [...trace, ...r.trace] };
    },
  };
}

export const errno = (r: KReturn): string => (r.ok ? 'ok' : r.errno);
export const fns = (t: readonly TraceEntry[]): string[] => t.map((x) => x.fn);
