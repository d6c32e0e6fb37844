// Test fixture: a decoded PciFunction as plain data, for model and verifier unit tests that
// should not depend on the byte-level decoder. Real bytes are tested in test/pci/.
import type { Bdf, PciFunction, PcieDevicePortType } from '../../src/pci/types.js';
import { PCI_VENDOR_ID_CXL } from '../../src/pci/types.js';
import { parseBdf as parseBdfText } from '../../src/pci/bdf.js';

export interface FnOpts {
  bdf?: string; // "BB:DD.F"
  vendor?: number;
  device?: number;
  bridge?: boolean; // header type 1
  type?: PcieDevicePortType;
  multifunction?: boolean;
  ats?: { pageAligned?: boolean; qdep?: number } | false;
  pasid?: { width?: number; exec?: boolean; priv?: boolean } | false;
  pri?: { stopped?: boolean; pasidRequired?: boolean; maxRequests?: number } | false;
  sriov?: { totalVfs: number; numVfs?: number; firstVfOffset?: number; vfStride?: number; vfDeviceId?: number } | false;
  acs?: { cap: number; ctrl: number } | false;
  cxl?: { cache?: boolean; mem?: boolean; io?: boolean } | false;
  msi?: boolean;
  msix?: boolean;
  eetlp?: boolean; // DevCap2 End-End TLP Prefix Supported
}

export function parseBdf(s: string): Bdf {
  const b = parseBdfText(s);
  if (b === null) throw new Error(`bad BDF ${s}`);
  return b;
}

export function pciFn(o: FnOpts = {}): PciFunction {
  const bridge = o.bridge ?? (o.type === 'root-port' || o.type === 'downstream-port' || o.type === 'upstream-port');
  const type: PcieDevicePortType = o.type ?? (bridge ? 'root-port' : 'endpoint');
  const typeRaw = { endpoint: 0, 'legacy-endpoint': 1, 'root-port': 4, 'upstream-port': 5, 'downstream-port': 6, 'pcie-to-pci-bridge': 7, 'pci-to-pcie-bridge': 8, 'rc-integrated-endpoint': 9, 'rc-event-collector': 10, unknown: 15 }[type];
  return {
    bdf: parseBdf(o.bdf ?? '00:00.0'),
    config: { bytes: new Uint8Array(0), length: 4096 },
    header: {
      vendorId: o.vendor ?? 0x1234,
      deviceId: o.device ?? 0x0001,
      command: 0x0006,
      status: 0x0010,
      revision: 1,
      progIf: 0,
      subclass: bridge ? 0x04 : 0x00,
      classCode: bridge ? 0x06 : 0x12,
      headerType: bridge ? 1 : 0,
      multifunction: o.multifunction ?? false,
      capabilitiesPointer: 0x40,
    },
    caps: [],
    pcie: { offset: 0x40, version: 2, type, typeRaw, slotImplemented: type === 'root-port', interruptMessageNumber: 0, endEndTlpPrefix: o.eetlp ?? true, maxEndEndTlpPrefixes: 0, ariForwarding: false },
    msi: o.msi === false ? undefined : { offset: 0x50, enabled: false, is64: true, maskable: false },
    msix: o.msix ? { offset: 0x60, enabled: false, tableSize: 8 } : undefined,
    ats: o.ats ? { offset: 0x100, invalidateQueueDepth: o.ats.qdep ?? 0, pageAligned: o.ats.pageAligned ?? true, globalInvalidate: false, enabled: false, stu: 0 } : undefined,
    pasid: o.pasid ? { offset: 0x110, exec: o.pasid.exec ?? false, priv: o.pasid.priv ?? false, maxWidth: o.pasid.width ?? 20, enabled: false, execEnabled: false, privEnabled: false } : undefined,
    pri: o.pri ? { offset: 0x120, enabled: false, reset: false, responseFailure: false, unexpectedPrgIndex: false, stopped: o.pri.stopped ?? true, pasidRequired: o.pri.pasidRequired ?? false, maxRequests: o.pri.maxRequests ?? 256, allocRequests: 0 } : undefined,
    sriov: o.sriov
      ? { offset: 0x130, caps: 0, ctrl: 0x9, vfEnable: true, vfMse: true, ariCapableHierarchy: false, initialVfs: o.sriov.totalVfs, totalVfs: o.sriov.totalVfs, numVfs: o.sriov.numVfs ?? o.sriov.totalVfs, functionDependencyLink: 0, firstVfOffset: o.sriov.firstVfOffset ?? 1, vfStride: o.sriov.vfStride ?? 1, vfDeviceId: o.sriov.vfDeviceId ?? 0x1002, supportedPageSizes: 0x553, systemPageSize: 1, vfMigrationStateArrayOffset: 0 }
      : undefined,
    acs: o.acs ? { offset: 0x170, cap: o.acs.cap, ctrl: o.acs.ctrl, egressVectorSize: 0 } : undefined,
    dvsecs: o.cxl
      ? [
          {
            offset: 0x200,
            vendor: PCI_VENDOR_ID_CXL,
            revision: 1,
            length: 0x38,
            id: 0,
            cxlName: 'PCIe DVSEC for CXL Devices',
            cxlDevice: {
              cap: (o.cxl.cache ? 1 : 0) | (o.cxl.io === false ? 0 : 2) | (o.cxl.mem ? 4 : 0),
              cacheCapable: !!o.cxl.cache,
              ioCapable: o.cxl.io !== false,
              memCapable: !!o.cxl.mem,
              memHwInit: false,
              hdmCount: o.cxl.mem ? 1 : 0,
              ctrl: 0,
              cacheEnable: false,
              memEnable: false,
              status: 0,
              ranges: [],
            },
          },
        ]
      : [],
    issues: [],
  };
}

/** ACS flags the kernel requires for isolation (R3.1): SV | RR | CR | UF. */
export const ACS_ISOLATED = { cap: 0x1f, ctrl: 0x1d };
