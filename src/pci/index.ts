// Public API of src/pci: sources (dump, sysfs), decoding, synthetic devices, lspci printer.
export * from './types.js';
export { parseBdf, formatBdf, sameBdf } from './bdf.js';
export { parseDump, parseDumpFile, type DumpFunction, type DumpParse } from './dump.js';
export { decodeFunction } from './decode.js';
export { walkStdCaps, walkExtCaps, type WalkResult } from './walk.js';
export { avail, rd8, rd16, rd32, configSpace } from './config.js';
export { sriovVfRidRange, sriovVfRoutingIds, type VfRidRange, type VfRoutingId, type VfRoutingIds } from './caps/sriov.js';
export { CXL_DVSEC_NAMES } from './caps/dvsec.js';
export { buildConfigSpace, type SyntheticDeviceSpec } from './builder.js';
export { printFunction, type PrintOptions } from './print/index.js';
export { parseSlotFilter, parseIdFilter, matchSlot, matchId, type SlotFilter, type IdFilter } from './select.js';
