// Decoded PCI configuration space: the contract between src/pci (decoders) and every
// reader (lspci printer, audit, platform importers, the kernel model).
//
// Layouts: ../shared/reference/pci-config-space.md; register names follow
// include/uapi/linux/pci_regs.h. Decoders never throw on bytes: what cannot be decoded is
// reported as a ConfigIssue naming the offset and the capability.

/** Raw config space of one function. `length` is what is readable: 64, 256 or 4096
 * (sysfs without root gives 64; `lspci -x` dumps 64; `-xxx` 256; `-xxxx` 4096). Reads at
 * or beyond `length` are *unavailable*, never zero. */
export interface ConfigSpace {
  readonly bytes: Uint8Array;
  readonly length: number;
}

/** Bus/device/function address; domain defaults to 0. */
export interface Bdf {
  readonly domain: number;
  readonly bus: number;
  readonly dev: number;
  readonly fn: number;
}

export type ConfigIssueCode =
  | 'TRUNCATED' // a read past the readable length
  | 'LOOP' // capability chain revisits an offset
  | 'BAD_POINTER' // points into the header, misaligned, or out of range
  | 'BAD_LENGTH' // a DVSEC/capability length that does not fit its revision or the space
  | 'BROKEN_CHAIN' // capability id 0xff / header 0xffffffff
  | 'UNKNOWN_ID' // not decoded: named by raw id
  | 'PARSE'; // text dump syntax (line/column in `where`)

export interface ConfigIssue {
  readonly code: ConfigIssueCode;
  /** Config-space offset the problem is at (or the dump line for PARSE). */
  readonly offset: number;
  /** Capability in whose decode it happened, e.g. 'ATS', 'cap 0x10', 'ext 0x23', 'header'. */
  readonly cap: string;
  readonly message: string;
  /** For text sources: "file:line:col". */
  readonly where?: string;
}

export interface Header {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly command: number;
  readonly status: number;
  readonly revision: number;
  readonly progIf: number;
  readonly subclass: number;
  readonly classCode: number; // base class
  readonly headerType: number; // low 7 bits
  readonly multifunction: boolean; // header type bit 7
  readonly capabilitiesPointer: number | null; // null when Status.CapList is clear
  // type 0
  readonly subsystemVendorId?: number;
  readonly subsystemId?: number;
  // type 1
  readonly primaryBus?: number;
  readonly secondaryBus?: number;
  readonly subordinateBus?: number;
}

/** PCI Express Capabilities register, Device/Port Type (bits 7:4). */
export type PcieDevicePortType =
  | 'endpoint' // 0
  | 'legacy-endpoint' // 1
  | 'rc-integrated-endpoint' // 9
  | 'rc-event-collector' // 10
  | 'root-port' // 4
  | 'upstream-port' // 5
  | 'downstream-port' // 6
  | 'pcie-to-pci-bridge' // 7
  | 'pci-to-pcie-bridge' // 8
  | 'unknown';

export interface PcieCap {
  readonly offset: number;
  readonly version: number;
  readonly type: PcieDevicePortType;
  readonly typeRaw: number;
  readonly slotImplemented: boolean;
  readonly interruptMessageNumber: number;
  /** Device Capabilities 2 / Control 2 bits the kernel reads (may be absent on v1). */
  readonly endEndTlpPrefix?: boolean; // DevCap2 bit 21
  readonly maxEndEndTlpPrefixes?: number; // DevCap2 bits 23:22 (0 means 4 when supported)
  readonly ariForwarding?: boolean; // DevCap2 bit 5
}

export interface AtsCap {
  readonly offset: number;
  readonly invalidateQueueDepth: number; // raw QDEP field (0 means 32 to the kernel)
  readonly pageAligned: boolean; // CAP bit 5
  readonly globalInvalidate: boolean; // CAP bit 6
  readonly relaxedOrdering?: boolean; // CAP bit 7 (newer spec)
  readonly enabled: boolean; // CTRL bit 15
  readonly stu: number; // CTRL bits 4:0
}

export interface PasidCap {
  readonly offset: number;
  readonly exec: boolean;
  readonly priv: boolean;
  readonly maxWidth: number; // bits 12:8
  readonly enabled: boolean;
  readonly execEnabled: boolean;
  readonly privEnabled: boolean;
}

export interface PriCap {
  readonly offset: number;
  readonly enabled: boolean;
  readonly reset: boolean;
  readonly responseFailure: boolean;
  readonly unexpectedPrgIndex: boolean;
  readonly stopped: boolean;
  readonly pasidRequired: boolean; // STATUS bit 15
  readonly maxRequests: number;
  readonly allocRequests: number;
}

export interface SriovCap {
  readonly offset: number;
  readonly caps: number;
  readonly ctrl: number;
  readonly vfEnable: boolean;
  readonly vfMse: boolean;
  readonly ariCapableHierarchy: boolean;
  readonly initialVfs: number;
  readonly totalVfs: number;
  readonly numVfs: number;
  readonly functionDependencyLink: number;
  readonly firstVfOffset: number;
  readonly vfStride: number;
  readonly vfDeviceId: number;
  readonly supportedPageSizes: number;
  readonly systemPageSize: number;
  readonly vfMigrationStateArrayOffset: number;
}

export interface AcsCap {
  readonly offset: number;
  readonly cap: number; // raw 16-bit capability
  readonly ctrl: number; // raw 16-bit control
  readonly egressVectorSize: number;
}

/** ACS bits (same positions in CAP and CTRL). */
export const ACS = {
  SV: 0x01,
  TB: 0x02,
  RR: 0x04,
  CR: 0x08,
  UF: 0x10,
  EC: 0x20,
  DT: 0x40,
} as const;

export interface DsnCap {
  readonly offset: number;
  readonly serial: bigint; // 64-bit
}

export interface AriCap {
  readonly offset: number;
  readonly nextFunction: number;
}

/** CXL "PCIe DVSEC for CXL Devices" (DVSEC id 0), CXL 2.0 8.1.3. */
export interface CxlDeviceDvsec {
  readonly cap: number; // +0x0a
  readonly cacheCapable: boolean; // bit 0
  readonly ioCapable: boolean; // bit 1
  readonly memCapable: boolean; // bit 2
  readonly memHwInit: boolean; // bit 3
  readonly hdmCount: number; // bits 5:4
  readonly ctrl: number; // +0x0c
  readonly cacheEnable: boolean; // ctrl bit 0
  readonly memEnable: boolean; // ctrl bit 2
  readonly status: number; // +0x0e
  readonly ranges: readonly { readonly size: bigint; readonly base: bigint; readonly sizeLowRaw: number }[];
}

export interface DvsecCap {
  readonly offset: number;
  readonly vendor: number; // DVSEC Vendor ID
  readonly revision: number;
  readonly length: number;
  readonly id: number; // DVSEC ID
  /** Name of a CXL DVSEC id (vendor 0x1e98), e.g. 'PCIe DVSEC for CXL Devices'. */
  readonly cxlName?: string;
  readonly cxlDevice?: CxlDeviceDvsec;
}

export interface CapHeader {
  readonly offset: number;
  readonly id: number;
  readonly extended: boolean;
  readonly version?: number; // extended only
  readonly name: string; // lspci's name, or a raw id
  readonly next?: number; // next pointer as read (low 2 bits masked)
}

/** How a capability walk ended; the non-'end' values mirror lspci's markers
 * (`<chain looped>`, `<chain broken>`, `<access denied>`) plus the kernel's extra stops. */
export type CapWalkEnd = 'end' | 'looped' | 'broken' | 'denied' | 'bad-pointer' | 'ttl';

export interface CapWalkInfo {
  readonly stdEnd: CapWalkEnd;
  /** Offset at which the standard walk stopped (for looped/broken/denied/bad-pointer). */
  readonly stdEndOffset?: number;
  /** Extended list walked: only after a PCI Express or PCI-X capability, with > 256 bytes. */
  readonly extWalked: boolean;
  readonly extEnd: CapWalkEnd;
  readonly extEndOffset?: number;
  /** Version nibble of the header at extEndOffset (lspci prints it before `<chain looped>`). */
  readonly extEndVersion?: number;
}

/** One function's decoded config space. Fields are undefined when the capability is absent
 * (or not readable: then an issue says so). */
export interface PciFunction {
  readonly bdf: Bdf;
  readonly config: ConfigSpace;
  readonly header: Header | null; // null only when fewer than 64 bytes are readable
  readonly caps: readonly CapHeader[]; // every capability found, in chain order (std then ext)
  readonly pcie?: PcieCap;
  readonly msi?: { readonly offset: number; readonly enabled: boolean; readonly is64: boolean; readonly maskable: boolean };
  readonly msix?: { readonly offset: number; readonly enabled: boolean; readonly tableSize: number };
  readonly ats?: AtsCap;
  readonly pasid?: PasidCap;
  readonly pri?: PriCap;
  readonly sriov?: SriovCap;
  readonly ari?: AriCap;
  readonly acs?: AcsCap;
  readonly dsn?: DsnCap;
  readonly dvsecs: readonly DvsecCap[];
  readonly issues: readonly ConfigIssue[];
  /** How the capability walks ended (set by decodeFunction). */
  readonly walk?: CapWalkInfo;
}

export const PCI_VENDOR_ID_CXL = 0x1e98;
