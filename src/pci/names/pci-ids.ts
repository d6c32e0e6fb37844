// The PCI ID database (pci.ids, https://pci-ids.ucw.cz; Debian package `pci.ids`, installed at
// /usr/share/misc/pci.ids) and pciutils 3.9.0's name formatting for it: lib/names-parse.c
// (id_parse_list: the file grammar), lib/names.c (pci_lookup_name, format_name,
// format_name_pair, id_lookup_subsys). lspci's udev-hwdb and DNS fallbacks are not modelled:
// names come from the file only.
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { termSafe } from '../../util/term.js';

/** lib/names.h ID_* categories. */
const enum Cat {
  Vendor = 1,
  Device = 2,
  Subsystem = 3,
  GenSubsystem = 4,
  Class = 5,
  Subclass = 6,
  ProgIf = 7,
}

export const DEFAULT_PCI_IDS = '/usr/share/misc/pci.ids';
/** A pci.ids is about 1.4 MB; anything far larger is not one (bounded read). */
export const PCI_IDS_MAX_BYTES = 64 << 20;

export interface PciIdsDb {
  readonly file: string;
  /** "Version: …" comment, when present. */
  readonly version: string | null;
  /** Problems found while parsing ("FILE:LINE: message"); parsing continues past them. */
  readonly warnings: readonly string[];
  get(cat: number, a: number, b?: number, c?: number, d?: number): string | undefined;
}

const key = (cat: number, a: number, b = 0, c = 0, d = 0): string => `${cat}:${a}:${b}:${c}:${d}`;

function hex(s: string, at: number, n: number): number {
  const t = s.slice(at, at + n);
  return t.length === n && /^[0-9a-fA-F]+$/.test(t) ? parseInt(t, 16) : -1;
}
const white = (ch: string | undefined): boolean => ch === ' ' || ch === '\t';

/** Parses pci.ids text (id_parse_list). Bad lines are reported with FILE:LINE and skipped. */
export function parsePciIds(text: string, file: string): PciIdsDb {
  const map = new Map<string, string>();
  const warnings: string[] = [];
  let version: string | null = null;
  let cat = 0;
  let id1 = 0;
  let id2 = 0;
  let skipBlock = false;
  const lines = text.split('\n');
  const warn = (i: number, m: string): void => {
    if (warnings.length < 20) warnings.push(`${file}:${i + 1}: ${m}`);
    else if (warnings.length === 20) warnings.push(`${file}: … further problems not listed`);
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line === '' || line[0] === '#') {
      const v = /^#\s*Version:\s*(\S+)/.exec(line);
      if (v && version === null) version = v[1];
      continue;
    }
    let nest = 0;
    while (line[nest] === '\t') nest++;
    const p = line.slice(nest);
    let c: number;
    let ids: [number, number, number, number];
    let rest: string;
    if (nest === 0) {
      skipBlock = false;
      if (p[0] === 'C' && p[1] === ' ') {
        const x = hex(p, 2, 2);
        if (x < 0 || !white(p[4])) { warn(i, 'parse error (class line)'); continue; }
        cat = Cat.Class; id1 = x; c = Cat.Class; ids = [x, 0, 0, 0]; rest = p.slice(5);
      } else if (p[0] === 'S' && p[1] === ' ') {
        // generic subsystem block: the vendor must exist (names-parse.c)
        const x = hex(p, 2, 4);
        if (x < 0 || p.length !== 6) { warn(i, 'parse error (generic subsystem line)'); continue; }
        if (!map.has(key(Cat.Vendor, x))) warn(i, 'Vendor does not exist');
        cat = Cat.GenSubsystem; id1 = x;
        continue;
      } else if (p[0] >= 'A' && p[0] <= 'Z' && p[1] === ' ') {
        skipBlock = true; // unrecognised block (reserved for future use)
        continue;
      } else {
        const x = hex(p, 0, 4);
        if (x < 0 || !white(p[4])) { warn(i, 'parse error (vendor line)'); continue; }
        cat = Cat.Vendor; id1 = x; c = Cat.Vendor; ids = [x, 0, 0, 0]; rest = p.slice(5);
      }
    } else if (skipBlock) {
      continue;
    } else if (nest === 1) {
      if (cat === Cat.Vendor || cat === Cat.Device || cat === Cat.Subsystem) {
        const x = hex(p, 0, 4);
        if (x < 0 || !white(p[4])) { warn(i, 'parse error (device line)'); continue; }
        cat = Cat.Device; id2 = x; c = Cat.Device; ids = [id1, x, 0, 0]; rest = p.slice(5);
      } else if (cat === Cat.GenSubsystem) {
        const x = hex(p, 0, 4);
        if (x < 0 || !white(p[4])) { warn(i, 'parse error (generic subsystem entry)'); continue; }
        c = Cat.GenSubsystem; ids = [id1, x, 0, 0]; rest = p.slice(5);
      } else if (cat === Cat.Class || cat === Cat.Subclass || cat === Cat.ProgIf) {
        const x = hex(p, 0, 2);
        if (x < 0 || !white(p[2])) { warn(i, 'parse error (subclass line)'); continue; }
        cat = Cat.Subclass; id2 = x; c = Cat.Subclass; ids = [id1, x, 0, 0]; rest = p.slice(3);
      } else { warn(i, 'parse error (indented line outside a block)'); continue; }
    } else if (nest === 2) {
      if (cat === Cat.Device || cat === Cat.Subsystem) {
        const x = hex(p, 0, 4);
        const y = hex(p, 5, 4);
        if (x < 0 || !white(p[4]) || y < 0 || !white(p[9])) { warn(i, 'parse error (subsystem line)'); continue; }
        cat = Cat.Subsystem; c = Cat.Subsystem; ids = [id1, id2, x, y]; rest = p.slice(10);
      } else if (cat === Cat.Subclass || cat === Cat.ProgIf) {
        const x = hex(p, 0, 2);
        if (x < 0 || !white(p[2])) { warn(i, 'parse error (prog-if line)'); continue; }
        cat = Cat.ProgIf; c = Cat.ProgIf; ids = [id1, id2, x, 0]; rest = p.slice(3);
      } else { warn(i, 'parse error (doubly indented line outside a device or subclass)'); continue; }
    } else { warn(i, 'parse error (too deeply indented)'); continue; }
    // a name from a file reaches the terminal: control characters are escaped (termSafe); bytes
    // from 0x80 stay as they are, so UTF-8 names (read as Latin-1) pass through unchanged
    // eslint-disable-next-line no-control-regex
    const name = rest.replace(/^[ \t]+/, '').replace(/[\u0000-\u001f\u007f]/g, (c) => termSafe(c));
    if (name === '') { warn(i, 'parse error (no name)'); continue; }
    const k = key(c, ...ids);
    if (map.has(k)) warn(i, 'Duplicate entry (the first one is used)');
    else map.set(k, name);
  }
  return { file, version, warnings, get: (c, a, b, cc, d) => map.get(key(c, a, b, cc, d)) };
}

const cache = new Map<string, { key: string; db: PciIdsDb }>();

/** Reads FILE (plain or gzip-compressed, by its magic bytes). Throws on I/O problems. The
 * parsed database is kept per path while the file's size and mtime stay the same. */
export function loadPciIds(file: string): PciIdsDb {
  const st = statSync(file);
  const k = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const hit = cache.get(file);
  if (hit && hit.key === k) return hit.db;
  const db = readPciIds(file, st);
  cache.set(file, { key: k, db });
  return db;
}

function readPciIds(file: string, st: { isFile(): boolean; size: number }): PciIdsDb {
  if (!st.isFile()) throw new Error(`${file} is not a regular file`);
  if (st.size > PCI_IDS_MAX_BYTES) throw new Error(`${file} is ${st.size} bytes, more than a pci.ids can be (${PCI_IDS_MAX_BYTES})`);
  let data = readFileSync(file);
  if (data[0] === 0x1f && data[1] === 0x8b) data = gunzipSync(data, { maxOutputLength: PCI_IDS_MAX_BYTES });
  return parsePciIds(data.toString('latin1'), file);
}

/** -n (numbers), default (names), -nn (both): lspci's numeric_ids 1 / 0 / 2. */
export type NameMode = 'numeric' | 'names' | 'both';

/** snprintf into a char[size] buffer, with lspci's "..." marker when it did not fit. */
function fit(s: string, size: number): string {
  if (s.length < size) return s;
  return s.slice(0, size - 4) + '...';
}

/** pci_lookup_name for the cases lspci uses, with its exact wording and fallbacks. */
export class PciNames {
  constructor(
    readonly db: PciIdsDb | null,
    readonly mode: NameMode,
  ) {}

  private get numeric(): boolean {
    return this.mode === 'numeric';
  }
  private get mixed(): boolean {
    return this.mode === 'both';
  }

  /** format_name: `name`, `num`, `name [num]`, or `unknown num` / `unknown [num]`. */
  private name(name: string | undefined, num: string, unknown: string, size: number, forceMixed = false): string {
    let s: string;
    if (this.numeric) s = num;
    else if (name === undefined) s = this.mixed || forceMixed ? `${unknown} [${num}]` : `${unknown} ${num}`;
    else if (!(this.mixed || forceMixed)) s = name;
    else s = `${name} [${num}]`;
    return fit(s, size);
  }

  /** format_name_pair. */
  private pair(v: string | undefined, d: string | undefined, num: string, size: number): string {
    let s: string;
    if (this.numeric) s = num;
    else if (this.mixed) s = v && d ? `${v} ${d} [${num}]` : !v ? `Device [${num}]` : `${v} Device [${num}]`;
    else s = v && d ? `${v} ${d}` : !v ? `Device ${num}` : `${v} Device ${num.slice(5)}`;
    return fit(s, size);
  }

  private look(cat: number, a: number, b = 0, c = 0, d = 0): string | undefined {
    return this.numeric || !this.db ? undefined : this.db.get(cat, a, b, c, d) || undefined;
  }

  private subsys(iv: number, id: number, isv: number, isd: number): string | undefined {
    let d: string | undefined;
    if (iv > 0 && id > 0) d = this.look(Cat.Subsystem, iv, id, isv, isd);
    d ??= this.look(Cat.GenSubsystem, isv, isd);
    if (d === undefined && iv === isv && id === isd) d = this.look(Cat.Device, iv, id);
    return d;
  }

  /** PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE. */
  vendorDevice(iv: number, id: number, size = 128): string {
    return this.pair(this.look(Cat.Vendor, iv), this.look(Cat.Device, iv, id), `${h4(iv)}:${h4(id)}`, size);
  }
  /** PCI_LOOKUP_VENDOR. */
  vendor(iv: number, size = 128): string {
    return this.name(this.look(Cat.Vendor, iv), h4(iv), 'Vendor', size);
  }
  /** PCI_LOOKUP_DEVICE. */
  device(iv: number, id: number, size = 128): string {
    return this.name(this.look(Cat.Device, iv, id), h4(id), 'Device', size);
  }
  /** PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_VENDOR. */
  subVendor(isv: number, size = 128): string {
    return this.name(this.look(Cat.Vendor, isv), h4(isv), 'Unknown vendor', size);
  }
  /** PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE. */
  subDevice(iv: number, id: number, isv: number, isd: number, size = 128): string {
    return this.name(this.subsys(iv, id, isv, isd), h4(isd), 'Device', size);
  }
  /** PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_SUBSYSTEM. */
  subsystem(iv: number, id: number, isv: number, isd: number, size = 256): string {
    return this.pair(this.look(Cat.Vendor, isv), this.subsys(iv, id, isv, isd), `${h4(isv)}:${h4(isd)}`, size);
  }
  /** PCI_LOOKUP_CLASS (16-bit base:sub); a known base class alone gets the number added. */
  className(cls: number, size = 128): string {
    let n = this.look(Cat.Subclass, cls >> 8, cls & 0xff);
    let force = false;
    if (n === undefined) {
      n = this.look(Cat.Class, cls >> 8);
      if (n !== undefined) force = true;
    }
    return this.name(n, h4(cls), 'Class', size, force);
  }
  /** PCI_LOOKUP_PROGIF | PCI_LOOKUP_NO_NUMBERS: a name or null (looked up even with -n). */
  progIf(cls: number, pif: number): string | null {
    const n = this.db?.get(Cat.ProgIf, cls >> 8, cls & 0xff, pif) || undefined;
    if (n !== undefined) return n;
    if (cls === 0x0101 && !(pif & 0x70)) {
      // IDE controllers have complex prog-if semantics (names.c)
      const s = `${pif & 0x80 ? ' Master' : ''}${pif & 0x08 ? ' SecP' : ''}${pif & 0x04 ? ' SecO' : ''}${pif & 0x02 ? ' PriP' : ''}${pif & 0x01 ? ' PriO' : ''}`;
      return s.slice(1);
    }
    return null;
  }
}

const h4 = (v: number): string => v.toString(16).padStart(4, '0');
