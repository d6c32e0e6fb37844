// The scenario file's JSON Schema (ARCHITECTURE.md "Contracts other parts rely on"), published
// by `dmagate schema`. Structure only: references between devices, events and variants are
// checked semantically by scenario.ts. additionalProperties is false everywhere.

import { BDF_PATTERN } from '../pci/bdf.js';
import type { DomainKind, EventKind, MsiState, Reach } from '../kernel/types.js';
import { EVENT_KINDS } from '../kernel/types.js';
import { IOMMU_IDS } from '../kernel/platform.js';
import type { DriverDmaMode, IommuFeatures, ReservedRegionType } from '../kernel/platform.js';

export const DMA_MODES = ['normal', 'manual', 'no-dma', 'msi-only'] as const satisfies readonly DriverDmaMode[];
export const RESV_TYPES = ['direct', 'direct-relaxable', 'reserved', 'msi', 'sw-msi'] as const satisfies readonly ReservedRegionType[];
export const DOMAIN_KINDS = [
  'none',
  'blocked',
  'empty-paging',
  'identity',
  'dma',
  'dma-fq',
  'empty-dma',
  'empty-dma-no-ats',
  'msi-only',
  'rmr-blocking',
  'unmanaged',
  'nested',
] as const satisfies readonly DomainKind[];
export const REACHES = ['none', 'msi-doorbell', 'reserved', 'mapped', 'all'] as const satisfies readonly Reach[];
export const MSI_STATES = ['n/a', 'works', 'failed', 'lost'] as const satisfies readonly MsiState[];
export const ERRNOS = ['EINVAL', 'EBUSY', 'EPERM', 'ENODEV', 'EOPNOTSUPP', 'EPROBE_DEFER', 'ENOSPC', 'EEXIST'] as const;
export const PORT_TYPES = [
  'endpoint',
  'legacy-endpoint',
  'rc-integrated-endpoint',
  'rc-event-collector',
  'root-port',
  'upstream-port',
  'downstream-port',
  'pcie-to-pci-bridge',
  'pci-to-pcie-bridge',
] as const;

// Compile-time: every DomainKind / EventKind is listed (a new kind breaks the build here).
type Missing<All, Listed> = Exclude<All, Listed>;
const _domainsComplete: Missing<DomainKind, (typeof DOMAIN_KINDS)[number]> extends never ? true : false = true;
const _eventsComplete: Missing<EventKind, (typeof EVENT_KINDS)[number]> extends never ? true : false = true;
void _domainsComplete;
void _eventsComplete;

type Schema = Record<string, unknown>;

const obj = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});
const bool: Schema = { type: 'boolean' };
const u = (max: number, description?: string): Schema => ({ type: 'integer', minimum: 0, maximum: max, ...(description ? { description } : {}) });
/** A 64-bit quantity: an integer (exact up to 2^53) or a "0x..." / decimal string. */
const u64: Schema = {
  type: ['integer', 'string'],
  minimum: 0,
  pattern: '^(0[xX][0-9a-fA-F]+(_[0-9a-fA-F]+)*|[0-9]+)$',
};
const deviceName: Schema = { type: 'string', pattern: '^[A-Za-z0-9_.:-]+$', description: 'short name used in events and output' };
const bdf: Schema = { type: 'string', pattern: BDF_PATTERN, description: '"DDDD:BB:DD.F" or "BB:DD.F" (domain 4 to 8 hex digits)' };
const enumOf = (values: readonly string[], description?: string): Schema => ({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
/** `true` (present, defaults), `false` (absent) or the capability's fields. */
const orTrue = (s: Schema): Schema => ({ ...s, type: ['boolean', 'object'] });

const FEATURE_KEYS: Record<keyof IommuFeatures, Schema> = {
  smmuAts: { ...bool, description: 'SMMUv3 IDR0.ATS (R5.1)' },
  rcAts: { ...bool, description: 'IORT root-complex ATS attribute (R5.1)' },
  s1: { ...bool, description: 'SMMUv3 stage 1 (A1)' },
  ssidBits: u(20, 'SMMUv3 SSID bits; 0 disables always-on (A1)'),
  smmuPageShift: { type: 'integer', minimum: 12, maximum: 16, description: 'log2 of the SMMU smallest page (STU)' },
  intelDeviceTlb: { ...bool, description: 'VT-d ECAP.DT (R5.11)' },
  intelAtsr: { ...bool, description: 'device covered by a DMAR ATSR/SATC unit (R5.11)' },
  amdIotlb: { ...bool, description: 'AMD IVRS IOTLB support (R5.17)' },
  intelCachingMode: { ...bool, description: 'VT-d CAP.CM, a virtualised VT-d: the driver forces strict DMA (R4.4a); default false' },
  intelFlts: { ...bool, description: 'VT-d ECAP.FLTS first-stage tables (mainline: no forced strict with CM in scalable mode); default true' },
  amdNpCache: { ...bool, description: 'AMD-Vi NpCache, a virtualised AMD IOMMU: the driver forces strict DMA (R4.4a); default false' },
  amdGtPpr: { ...bool, description: 'AMD EFR GT+PPR (amd_iommu_gt_ppr_supported): mainline records ATS/PASID/PRI only then (R5.21); default true' },
  amdSnp: { ...bool, description: 'AMD SEV-SNP host: no IDENTITY from amd_iommu_def_domain_type (R5.21); default false' },
  lateAcsRequest: { ...bool, description: 'ACS requested only after the PCI bus scan (device-tree IOMMU): ACS Control as decoded, not enabled by the kernel; default false' },
};

// Mirrors src/pci/builder.ts SyntheticDeviceSpec: header fields at the top, capabilities under
// `caps:` (the builder takes them flat; device-config.ts flattens).
const capsSchema = obj({
  msi: { ...bool, description: 'MSI capability (64-bit)' },
  msix: { type: ['boolean', 'integer'], minimum: 1, maximum: 2048, description: 'MSI-X; a number gives the table size' },
  ats: orTrue(obj({ pageAligned: bool, qdep: u(31), enabled: bool, stu: u(31) })),
  pasid: orTrue(obj({ width: u(20), exec: bool, priv: bool, enabled: bool })),
  pri: orTrue(obj({ maxRequests: u(0xffffffff), pasidRequired: bool, enabled: bool, stopped: bool })),
  sriov: obj(
    { totalVfs: u(0xffff), numVfs: u(0xffff), firstVfOffset: u(0xffff), vfStride: u(0xffff), vfDeviceId: u(0xffff), enabled: bool, ari: bool },
    ['totalVfs'],
  ),
  acs: orTrue(obj({ cap: u(0xffff), ctrl: u(0xffff) }, ['cap', 'ctrl'])),
  dsn: obj({ serial: u64 }, ['serial']),
  ari: orTrue(obj({ nextFunction: u(0xff) })),
  cxl: orTrue(obj({ cache: bool, mem: bool, io: bool, hdmCount: u(2), cacheEnable: bool, memEnable: bool, memSizeMiB: u(0x7fffffff) })),
});

const dumpConfig = obj(
  {
    dump: { type: 'string', minLength: 1, description: 'lspci -xxx/-xxxx dump, relative to the scenario file' },
    bdf: { ...bdf, description: 'function in the dump (default: the device\'s bdf, or the only function)' },
  },
  ['dump'],
);
const syntheticConfig = obj({
  vendor: u(0xffff, 'default 0x1234'),
  device: u(0xffff, 'default 0x0001'),
  class: u(0xffffff, '24-bit class code, e.g. 0x120000'),
  revision: u(0xff),
  type: enumOf(PORT_TYPES, 'PCIe Device/Port Type (default root-port for bridges, else endpoint)'),
  bridge: { ...bool, description: 'type 1 header (default: true for ports)' },
  slot: bool,
  multifunction: bool,
  primaryBus: u(0xff, 'default: the bridge\'s own bus'),
  secondaryBus: u(0xff, 'default: the lowest bus of its children'),
  subordinateBus: u(0xff, 'default: the highest bus below it'),
  legacyPci: { ...bool, description: 'conventional PCI: no PCI Express capability' },
  eetlp: { ...bool, description: 'DevCap2 End-End TLP Prefix Supported (R1.26)' },
  ariForwarding: bool,
  caps: capsSchema,
});

const driverSchema: Schema = {
  type: ['object', 'null'],
  properties: {
    name: { type: 'string', minLength: 1 },
    dmaMode: enumOf(DMA_MODES, 'default normal'),
    usesMsi: { ...bool, description: 'default false' },
    defDomainType: enumOf(['identity', 'dma'], "ops->def_domain_type preference (R4.5)"),
  },
  required: ['name'],
  additionalProperties: false,
};

const deviceSchema = obj(
  {
    name: deviceName,
    bdf,
    parent: { type: ['string', 'null'], description: 'upstream bridge by name; null or absent on the root bus' },
    config: {
      type: 'object',
      if: { type: 'object', required: ['dump'] },
      then: dumpConfig,
      else: syntheticConfig,
    },
    physfn: { type: 'string', description: 'for a VF: its PF by name' },
    externalFacing: bool,
    usb4HostInterface: bool,
    pasidNoTlp: bool,
    dmaAliasOf: { type: 'string' },
    reservedRegions: {
      type: 'array',
      items: obj({ type: enumOf(RESV_TYPES), base: u64, size: u64, note: { type: 'string' } }, ['type', 'base', 'size']),
    },
    driver: driverSchema,
  },
  ['name', 'bdf', 'config'],
);

const obsProps: Record<string, Schema> = {
  present: bool,
  accepted: bool,
  optedIn: bool,
  untrusted: bool,
  isBridge: bool,
  isVf: bool,
  requireDirect: bool,
  cxlCache: bool,
  driver: { type: ['string', 'null'] },
  dmaMode: { type: ['string', 'null'], enum: [...DMA_MODES, null] },
  usesMsi: bool,
  group: { type: ['string', 'null'] },
  domain: enumOf(DOMAIN_KINDS),
  groupOwned: bool,
  pasidsAttached: u(0xfffff),
  pciPasidEnabled: bool,
  atsEnabled: bool,
  stu: { type: ['integer', 'null'], minimum: 0, maximum: 31 },
  translatedAccepted: bool,
  untranslated: enumOf(REACHES),
  rmrReachable: bool,
  msi: enumOf(MSI_STATES),
  cxlHpa: bool,
};
/** DeviceObs keys an expectation may name (all but `name`). */
export const OBS_KEYS: readonly string[] = Object.keys(obsProps);

const eventRef: Schema = { type: ['integer', 'string'], minimum: 0, description: '0-based index into events, or the event text' };
const devicesExpect: Schema = {
  type: 'object',
  description: 'device name -> DeviceObs fields',
  additionalProperties: obj(obsProps),
};

const expectSchema = obj({
  returns: {
    type: 'array',
    items: obj({ event: eventRef, ok: bool, errno: enumOf(ERRNOS) }, ['event']),
  },
  devices: devicesExpect,
  after: {
    type: 'array',
    items: obj({ event: eventRef, devices: devicesExpect }, ['event', 'devices']),
  },
});

export const scenarioSchema: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'urn:dmagate:scenario:1',
  title: 'dmagate scenario',
  description: 'A platform, a kernel variant, events, and optional expectations (docs/scenario.md).',
  ...obj(
    {
      platform: obj(
        {
          name: { type: 'string', minLength: 1 },
          iommu: enumOf(IOMMU_IDS),
          features: obj(FEATURE_KEYS),
          cmdline: { type: 'string', description: 'kernel command line, e.g. "iommu.passthrough=1 pci=noats"' },
          ccGuest: { ...bool, description: 'confidential-compute guest (R4.3, D11)' },
          devices: { type: 'array', items: deviceSchema },
        },
        ['name', 'iommu', 'devices'],
      ),
      variant: { type: 'string', description: 'kernel variant, e.g. "boot-dma-security,park=blocked" (default mainline)' },
      events: {
        type: 'array',
        items: { type: 'string', description: `kind(device): ${EVENT_KINDS.join(', ')}; guest-eats(device,on|off); group-type(device,identity|dma|dma-fq|auto)` },
      },
      expect: expectSchema,
    },
    ['platform'],
  ),
};
