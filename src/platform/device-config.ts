// A scenario device's config space: read from an lspci dump (relative to the scenario file)
// or built from a capability list by the pci builder, then decoded by src/pci like any real
// function, so the kernel model never sees anything a real machine could not show.

import { dirname, resolve } from 'node:path';
import { buildConfigSpace } from '../pci/builder.js';
import type { SyntheticDeviceSpec } from '../pci/builder.js';
import { decodeFunction } from '../pci/decode.js';
import { parseDump } from '../pci/dump.js';
import { InputFileError } from '../util/read-input.js';
import { formatBdf, sameBdf } from '../pci/bdf.js';
import type { Bdf, PciFunction } from '../pci/types.js';

/** The `config:` mapping of a synthetic device as written (validated by the schema):
 * SyntheticDeviceSpec's header fields, with the capabilities under `caps`. */
export type SyntheticConfigYaml = Omit<SyntheticDeviceSpec, 'msi' | 'msix' | 'ats' | 'pasid' | 'pri' | 'sriov' | 'acs' | 'dsn' | 'ari' | 'cxl'> & {
  caps?: Pick<SyntheticDeviceSpec, 'msi' | 'msix' | 'ats' | 'pasid' | 'pri' | 'sriov' | 'acs' | 'dsn' | 'ari' | 'cxl'>;
};

/** Bus numbers of a bridge, derived from the scenario's topology unless given. */
export interface BusDefaults {
  readonly primaryBus: number;
  readonly secondaryBus?: number;
  readonly subordinateBus?: number;
}

/** Flattens the scenario's synthetic config onto the pci builder's spec. */
export function toBuilderSpec(c: SyntheticConfigYaml, bus?: BusDefaults): SyntheticDeviceSpec {
  const { caps, ...header } = c;
  const dsn = caps?.dsn;
  return {
    ...(bus ?? {}),
    ...header,
    ...caps,
    // "0x..." (underscores allowed) or decimal string -> bigint (the builder reads strings as hex)
    ...(dsn ? { dsn: { serial: typeof dsn.serial === 'string' ? BigInt(dsn.serial.replace(/_/g, '')) : dsn.serial } } : {}),
  };
}

/** No NaN or ±Infinity anywhere in a plain value. */
function finiteOnly(v: unknown): boolean {
  let ok = true;
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? ((ok = false), 0) : x));
  return ok;
}

/** Decoded synthetic configs of one load, by spec text (SyntheticMemo). */
export type SyntheticMemo = Map<string, PciFunction>;

/** Each memo's last memoised spec, its bus numbers and its function: consecutive devices (a
 * PF's VFs) mostly repeat the spec, and comparing it with the last one costs less than its
 * text and a lookup (docs/performance.md "run"). */
const LAST = new WeakMap<SyntheticMemo, { c: unknown; bus: BusDefaults | undefined; fn: PciFunction }>();

/** Equal plain values, keys in the same order (what makes equal JSON.stringify texts, for the
 * values that take the memo: no NaN, ±Infinity or bigint). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || !sameValue((a as Record<string, unknown>)[ka[i]], (b as Record<string, unknown>)[kb[i]])) return false;
  }
  return true;
}

const sameBus = (a: BusDefaults | undefined, b: BusDefaults | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.primaryBus === b.primaryBus && a.secondaryBus === b.secondaryBus && a.subordinateBus === b.subordinateBus);

/** The function a synthetic config describes, at `bdf`. With a memo (one per scenario load),
 * equal specs share one built and decoded config space — bytes, capabilities, issues — and
 * differ in `bdf` only: decodeFunction reads the address from nowhere but its argument, and
 * nothing writes a decoded function. 100,000 SR-IOV VFs of one PF are one 4 KiB buffer, not
 * 400 MB (docs/performance.md "run"). */
export function syntheticFunction(bdf: Bdf, c: SyntheticConfigYaml, bus?: BusDefaults, memo?: SyntheticMemo): PciFunction {
  if (memo === undefined) return decodeFunction(bdf, buildConfigSpace(toBuilderSpec(c, bus)));
  const last = LAST.get(memo);
  if (last !== undefined && sameBus(last.bus, bus) && sameValue(last.c, c)) return last.fn.bdf === bdf ? last.fn : { ...last.fn, bdf };
  // a loaded value (JSON or YAML's plain value): JSON.stringify is a faithful key but for
  // NaN, ±Infinity (written as null) and bigints (not memoised); key order is part of it, so
  // differently ordered equal specs merely miss
  let spec: string;
  try {
    spec = JSON.stringify(c);
  } catch {
    return decodeFunction(bdf, buildConfigSpace(toBuilderSpec(c, bus))); // a bigint
  }
  // "null" in the spec may stand for NaN or ±Infinity: then look closer (a replacer slows
  // every key). The bus numbers are busDefaults' integers: their text is exact.
  if (spec.includes('null') && !finiteOnly(c)) return decodeFunction(bdf, buildConfigSpace(toBuilderSpec(c, bus)));
  const key = bus === undefined ? spec : `${spec}|${bus.primaryBus},${bus.secondaryBus ?? '-'},${bus.subordinateBus ?? '-'}`;
  let fn = memo.get(key);
  if (fn === undefined) memo.set(key, (fn = decodeFunction(bdf, buildConfigSpace(toBuilderSpec(c, bus)))));
  if (last === undefined) LAST.set(memo, { c, bus, fn });
  else {
    last.c = c;
    last.bus = bus;
    last.fn = fn;
  }
  return fn.bdf === bdf ? fn : { ...fn, bdf };
}

export type DumpResult = { readonly fn: PciFunction } | { readonly error: string };

/** Reads `dump` relative to the scenario file and decodes the selected function. */
export function dumpFunction(
  scenarioFile: string,
  dump: string,
  select: Bdf | undefined,
  deviceBdf: Bdf,
  readText: (path: string) => string | Uint8Array,
): DumpResult {
  const path = resolve(dirname(scenarioFile), dump);
  let text: string | Uint8Array;
  try {
    text = readText(path);
  } catch (e) {
    return { error: e instanceof InputFileError ? `cannot read dump ${path}: ${e.reason}` : `cannot read dump ${path}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const parsed = parseDump(text, path);
  const fns = parsed.functions;
  if (fns.length === 0) {
    const why = parsed.issues[0] ? `: ${parsed.issues[0].message}` : '';
    return { error: `dump ${dump} holds no function${why}` };
  }
  const want = select ?? deviceBdf;
  let hit = fns.find((f) => sameBdf(f.bdf, want));
  if (!hit && select === undefined && fns.length === 1) hit = fns[0];
  if (!hit) {
    return { error: `dump ${dump} has no function ${formatBdf(want, true)} (it has ${fns.map((f) => formatBdf(f.bdf, true)).join(', ')})` };
  }
  // The device keeps its scenario address: the dump's bytes, decoded at the device's BDF.
  return { fn: decodeFunction(deviceBdf, hit.config) };
}
