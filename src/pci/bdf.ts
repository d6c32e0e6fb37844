// Bus/device/function addresses as text: the one parser and printer every layer uses
// (scenario files, sysfs directory names, lspci output). The dump reader parses its address
// lines byte by byte on its hot path (dump.ts parseAddress) to the same grammar.
import type { Bdf } from './types.js';

// [DDDD:]BB:DD.F — domain 4 to 8 hex digits (sysfs prints 4, or 5 for VMD's 10000+
// domains), device 00–1f (PCI has 32 devices per bus), function 0–7.
/** The grammar as a JSON Schema `pattern` (ECMA regex source; the scenario schema uses it). */
export const BDF_PATTERN = '^(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([01][0-9a-fA-F])\\.([0-7])$';
const BDF_RE = new RegExp(BDF_PATTERN);

/** Parses "[DDDD:]BB:DD.F"; null when malformed. `requireDomain`: sysfs names always carry it. */
export function parseBdf(text: string, opts: { requireDomain?: boolean } = {}): Bdf | null {
  const m = BDF_RE.exec(text);
  if (!m || (opts.requireDomain === true && m[1] === undefined)) return null;
  return { domain: m[1] ? parseInt(m[1], 16) : 0, bus: parseInt(m[2], 16), dev: parseInt(m[3], 16), fn: parseInt(m[4], 10) };
}

/** `[DDDD:]BB:DD.F` as lspci prints it (domain only when non-zero or `alwaysDomain`). */
export function formatBdf(b: Bdf, alwaysDomain = false): string {
  const h2 = (x: number): string => (x < 16 ? '0' : '') + x.toString(16);
  const base = `${h2(b.bus)}:${h2(b.dev)}.${b.fn}`;
  return b.domain || alwaysDomain ? `${b.domain.toString(16).padStart(4, '0')}:${base}` : base;
}

export const sameBdf = (a: Bdf, b: Bdf): boolean => a.domain === b.domain && a.bus === b.bus && a.dev === b.dev && a.fn === b.fn;
