// `dmagate lspci`: decode PCI config space from an lspci hex dump or a live sysfs tree and print
// it the way pciutils 3.9.0 `lspci` does: -n / -nn / names from pci.ids, -v…-vvv, -k, -t, -x…,
// -D, -m/-mm, -s, -d, and --json in the project-wide scheme (docs/json.md).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { sriovVfRidRange } from '../pci/caps/sriov.js';
import { decodeFunction } from '../pci/decode.js';
import { formatBdf } from '../pci/bdf.js';
import { openDumpSource, parseDumpFile, type DumpSource } from '../pci/dump.js';
import { printFunction, type PrintOptions } from '../pci/print/lspci.js';
import { machineText } from '../pci/print/machine.js';
import { treeText, type TreeNode } from '../pci/print/tree.js';
import type { HostInfo } from '../pci/print/host.js';
import { DEFAULT_PCI_IDS, loadPciIds, PciNames, type NameMode, type PciIdsDb } from '../pci/names/pci-ids.js';
import { avail, rd16, rd8 } from '../pci/config.js';
import { matchId, matchSlot, parseIdFilter, parseSlotFilter, type IdFilter, type SlotFilter } from '../pci/select.js';
import type { Bdf, ConfigIssue, PciFunction } from '../pci/types.js';
import { BENIGN_NOTES, dumpSource, notADumpHint, sysfsSource, type Item, type Source } from './lspci-source.js';
import { termSafe } from '../util/term.js';
import { InputError } from '../util/errors.js';
import type { SetExit } from './commands.js';

export interface LspciOptions {
  /** lspci -F: a hex dump file. */
  readonly file?: string;
  /** The directory that holds sys/ (as for audit); default `/` when no file is given. */
  readonly sysfs?: string;
  readonly slot?: string;
  readonly id?: string;
  readonly verbose: number;
  readonly json?: boolean;
  /** Number of -n: 0 names, 1 numbers (-n), 2 both (-nn). Default 1 when absent (API callers). */
  readonly numeric?: number;
  /** -i FILE: the PCI ID database (default /usr/share/misc/pci.ids). */
  readonly ids?: string;
  /** -k: kernel driver in use (and the IOMMU group, a dmagate extension line). */
  readonly kernel?: boolean;
  /** -t: bus tree. */
  readonly tree?: boolean;
  /** Number of -x: 1 the 64-byte header, 3 256 bytes, 4 all 4096. */
  readonly hex?: number;
  /** -D: always print the domain. */
  readonly domains?: boolean;
  /** Number of -m: 1 or 2 (-mm, lspci's machine-readable format). */
  readonly machine?: number;
}

export interface LspciResult {
  /** stdout, in chunks (large dumps make large outputs; text chunks are Latin-1 buffers). */
  readonly out: (string | Uint8Array)[];
  readonly err: string;
  /** 0 ok; 1 the input had problems (output still printed); 2 usage or I/O error. */
  readonly code: number;
}

const cmpBdf = (a: Bdf, b: Bdf): number => a.domain - b.domain || a.bus - b.bus || a.dev - b.dev || a.fn - b.fn;

function issueLine(label: string, bdf: string, i: ConfigIssue): string {
  return `dmagate: ${termSafe(label)}: ${bdf} offset 0x${i.offset.toString(16)} ${i.cap}: ${termSafe(i.message)}\n`;
}

/** JSON form of a function: the project-wide keys (bdf with domain, vendor/device 4-hex, class
 * 6-hex, driver/iommuGroup from sysfs) beside the decoded fields; bigints as hex strings. */
export function functionToJson(f: PciFunction, host?: HostInfo): unknown {
  const { config, bdf: _bdf, ...rest } = f;
  // A range, not one entry per VF: the output stays bounded by the input (NumVFs 0xffff).
  const vfs = f.sriov ? sriovVfRidRange(f.bdf, f.sriov) : undefined;
  const ridBdf = (rid: number): string | null => (rid > 0xffff ? null : formatBdf({ domain: f.bdf.domain, bus: rid >> 8, dev: (rid >> 3) & 0x1f, fn: rid & 7 }, true));
  const h = f.header;
  return {
    bdf: formatBdf(f.bdf, true),
    vendor: h ? h.vendorId.toString(16).padStart(4, '0') : null,
    device: h ? h.deviceId.toString(16).padStart(4, '0') : null,
    class: h ? ((h.classCode << 16) | (h.subclass << 8) | h.progIf).toString(16).padStart(6, '0') : null,
    ...(host ? { driver: host.driver, iommuGroup: host.iommuGroup } : {}),
    ...rest,
    config: { length: config.length },
    ...(vfs ? { vfRoutingIds: { first: vfs.first, stride: vfs.stride, count: vfs.count, last: vfs.last, firstBdf: vfs.count > 0 ? ridBdf(vfs.first) : null, lastBdf: vfs.count > 0 ? ridBdf(vfs.last) : null } } : {}),
  };
}

const jsonReplacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? '0x' + v.toString(16) : v);

/** Output is copied into 1 MiB buffers as it is made: a long-lived `+=` string would keep
 * every piece alive (and copied by each scavenge) until the end. The text is one byte per
 * character (ASCII, or Latin-1 where lspci prints a raw byte). */
class OutBuf {
  readonly out: Uint8Array[] = [];
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  add(s: string): void {
    if (this.pos + s.length > this.buf.length) {
      this.flush();
      if (s.length > this.buf.length) this.buf = Buffer.allocUnsafe(s.length);
    }
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }
  flush(): Uint8Array[] {
    if (this.pos) this.out.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(1 << 20);
    this.pos = 0;
    return this.out;
  }
}

interface StreamResult {
  readonly status: 'ok' | 'unsorted' | 'domain' | 'empty';
  readonly out: Uint8Array[];
  readonly err: string;
  readonly parseIssues: ConfigIssue[];
}

/**
 * Text output for a dump already in lspci's order (the usual case): parse, decode and print
 * one function at a time through one reused buffer. Gives up ('unsorted') at the first
 * function out of order, and ('domain') at a non-zero domain when printing without domains.
 */
function streamDump(src: DumpSource, file: string, slot: SlotFilter | null, wanted: (f: PciFunction) => boolean, po: PrintOptions): StreamResult {
  const ob = new OutBuf();
  let err = '';
  let status: StreamResult['status'] = 'ok';
  let prev: Bdf | null = null;
  let bytes = 0;
  const p = parseDumpFile(src, file, (x) => {
    if (prev && cmpBdf(prev, x.bdf) > 0) {
      status = 'unsorted';
      return false;
    }
    if (x.bdf.domain !== 0 && !po.showDomain) {
      status = 'domain';
      return false;
    }
    prev = x.bdf;
    bytes += x.config.length;
    if (slot && !matchSlot(slot, x.bdf)) return true;
    const f = decodeFunction(x.bdf, x.config);
    if (!wanted(f)) return true;
    ob.add(printFunction(f, po));
    if (f.issues.length) {
      const bdf = formatBdf(f.bdf, po.showDomain);
      for (const i of f.issues) err += issueLine(file, bdf, i);
    }
    return true;
  });
  if (status === 'ok' && prev !== null && bytes === 0) status = 'empty';
  return { status, out: ob.flush(), err, parseIssues: p.issues };
}

/** The name database and mode: pci.ids is read even with -n (lspci looks prog-if names up
 * anyway); without one, names fall back to numbers with a note. */
function namesFor(o: LspciOptions): { names: PciNames; note: string } {
  const n = o.numeric ?? 1;
  let mode: NameMode = n >= 2 ? 'both' : n === 1 ? 'numeric' : 'names';
  const file = o.ids ?? DEFAULT_PCI_IDS;
  let db: PciIdsDb | null = null;
  let note = '';
  if (o.ids !== undefined || existsSync(file)) {
    try {
      db = loadPciIds(file);
      for (const w of db.warnings) note += `dmagate: lspci: ${termSafe(w)}\n`;
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
      note += `dmagate: lspci: cannot read the PCI ID database ${termSafe(file)} (${termSafe(why)})${mode !== 'numeric' ? '; showing numbers' : ''}\n`;
    }
  } else if (mode !== 'numeric') {
    note += `dmagate: lspci: no PCI ID database at ${file} (Debian package pci.ids; or -i FILE); showing numbers\n`;
  }
  if (!db && mode !== 'numeric') mode = 'numeric';
  return { names: new PciNames(db, mode), note };
}

function treeNode(f: PciFunction, match: boolean): TreeNode {
  const cs = f.config;
  const ok = avail(cs, 0, 64);
  const ht = ok ? rd8(cs, 0x0e) & 0x7f : 0;
  return {
    bdf: f.bdf,
    vendor: ok ? rd16(cs, 0) : 0xffff,
    device: ok ? rd16(cs, 2) : 0xffff,
    cls: ok ? rd16(cs, 0x0a) : 0xffff,
    headerType: ht,
    // ls-tree.c: type 1 primary/secondary/subordinate, CardBus primary/card bus/subordinate
    primary: ok ? rd8(cs, 0x18) : 0,
    secondary: ok ? rd8(cs, 0x19) : 0,
    subordinate: ok ? rd8(cs, 0x1a) : 0,
    match,
  };
}

export function runLspci(o: LspciOptions): LspciResult {
  let slot: SlotFilter | null = null;
  let id: IdFilter | null = null;
  try {
    if (o.slot !== undefined) slot = parseSlotFilter(o.slot);
    if (o.id !== undefined) id = parseIdFilter(o.id);
  } catch (e) {
    return { out: [], err: `dmagate: lspci: ${(e as Error).message}\n`, code: 2 };
  }
  if (o.file !== undefined && o.sysfs !== undefined) return { out: [], err: 'dmagate: lspci: give either -F or --sysfs, not both\n', code: 2 };
  if ([o.tree, o.machine, o.json].filter(Boolean).length > 1) return { out: [], err: 'dmagate: lspci: -t, -m and --json are different output formats: give one\n', code: 2 };
  const { names, note } = o.json ? { names: new PciNames(null, 'numeric'), note: '' } : namesFor(o);
  const wanted = (f: PciFunction): boolean => {
    if (!id) return true;
    const h = f.header;
    return h !== null && matchId(id, h.vendorId, h.deviceId, (h.classCode << 8) | h.subclass, h.progIf);
  };
  const baseOpts = { verbose: o.verbose, names, kernel: o.kernel, hex: o.hex };
  // The dump is opened once through the bounded reader: a pipe is read here, once, so the
  // fallback below (unsorted dumps, other domains) parses the same bytes again.
  let dump: DumpSource | undefined;
  if (o.file !== undefined) {
    try {
      dump = openDumpSource(o.file);
    } catch (e) {
      return { out: [], err: `dmagate: lspci: ${termSafe(e instanceof Error ? e.message : String(e))}\n`, code: 2 };
    }
  }
  if (o.file !== undefined && dump !== undefined && !o.json && !o.tree && !o.machine) {
    try {
      let r = streamDump(dump, o.file, slot, wanted, { ...baseOpts, showDomain: o.domains ?? false });
      if (r.status === 'domain') r = streamDump(dump, o.file, slot, wanted, { ...baseOpts, showDomain: true });
      if (r.status === 'ok') {
        const perr = r.parseIssues.map((i) => `dmagate: ${termSafe(i.where ?? o.file!)}: ${termSafe(i.message)}\n`).join('');
        return { out: r.out, err: note + perr + r.err, code: r.parseIssues.length ? 1 : 0 };
      }
    } catch {
      // unreadable file: reported below by the collecting path
    }
  }
  let src: Source;
  try {
    src = o.file !== undefined ? dumpSource(dump ?? o.file, o.file) : sysfsSource(o.sysfs ?? '/', o.verbose >= 2 && !o.json && !o.tree && !o.machine);
  } catch (e) {
    if (e instanceof InputError) return { out: [], err: `dmagate: lspci: ${termSafe(e.message)}\n`, code: 2 };
    const what = o.file !== undefined ? `cannot read dump ${o.file}` : `cannot read sysfs under ${o.sysfs ?? '/'}`;
    return { out: [], err: `dmagate: lspci: ${termSafe(what)}: ${termSafe((e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e)))}\n`, code: 2 };
  }
  if (o.file !== undefined && src.items.length > 0) {
    const hint = notADumpHint(o.file, src.items);
    if (hint) return { out: [], err: hint, code: 2 };
  }
  const all = [...src.items].sort((a, b) => cmpBdf(a.bdf, b.bdf));
  const items = all.filter((x) => !slot || matchSlot(slot, x.bdf));
  let err = note;
  for (const n of src.notes) err += `dmagate: ${o.json ? n.message : termSafe(n.message)}\n`;
  for (const i of src.issues) err += `dmagate: ${termSafe(i.where ?? src.label)}: ${termSafe(i.message)}\n`;
  const code = src.issues.length || src.notes.some((n) => !BENIGN_NOTES.has(n.code)) ? 1 : 0;
  const decode = (x: Item): PciFunction => x.fn ?? decodeFunction(x.bdf, x.config);
  if (o.json) {
    const fns: unknown[] = [];
    const issues: unknown[] = src.issues.map((i) => ({ ...i, bdf: null }));
    for (const x of items) {
      const f = decode(x);
      if (!wanted(f)) continue;
      fns.push(functionToJson(f, x.host));
      for (const i of f.issues) issues.push({ ...i, bdf: formatBdf(f.bdf, true) });
    }
    const doc = { source: src.label, functions: fns, issues, notes: src.notes };
    return { out: [JSON.stringify(doc, jsonReplacer, 2) + '\n'], err, code };
  }
  if (o.tree) {
    // the tree is built from every function; -s/-d only prune the branches shown
    const filtered = slot !== null || id !== null;
    const nodes = all.map((x) => {
      const f = decode(x);
      return treeNode(f, (!slot || matchSlot(slot, x.bdf)) && wanted(f));
    });
    return { out: [treeText(nodes, o.verbose, names, filtered)], err, code };
  }
  // Decode and print one function at a time: nothing decoded outlives its own output.
  const showDomain = (o.domains ?? false) || items.some((x) => x.bdf.domain !== 0);
  const ob = new OutBuf();
  for (const x of items) {
    const f = decode(x);
    if (!wanted(f)) continue;
    if (o.machine) ob.add(machineText(f, { level: o.machine, verbose: o.verbose, domains: o.domains ?? false, names, kernel: o.kernel, host: x.host }));
    else ob.add(printFunction(f, { ...baseOpts, showDomain, host: x.host }));
    if (f.issues.length) {
      const bdf = formatBdf(f.bdf, showDomain);
      for (const i of f.issues) err += issueLine(x.label, bdf, i);
    }
  }
  return { out: ob.flush(), err, code };
}

const HELP = `
Sources (default: this host, --sysfs /):
  -F FILE         an lspci hex dump (lspci -x, -xxx or -xxxx output; many devices per file)
  --sysfs ROOT    a live host: ROOT is the directory that holds sys/ (as for audit), read through
                  the same confined reader (links leaving ROOT, FIFOs and devices are refused).
                  Without root the kernel returns only 64 bytes per device: capabilities then
                  show as "<access denied>" and a note says so, never guessed.

Display (as lspci):
  -v, -vv, -vvv   more detail: header registers, then every capability with its body (PCI
                  Express, MSI/MSI-X, PM, AER, ATS, PASID, PRI, SR-IOV, ACS, DSN, CXL DVSECs, VC,
                  L1 PM Substates, LTR, DPC, PTM, Resizable BAR, DOE, Multicast, VPD, PCI-X, HT, AGP, EA, virtio …)
  -n / -nn        numbers only / names and numbers; default names from pci.ids
  -i FILE         the PCI ID database (default ${DEFAULT_PCI_IDS}, Debian package pci.ids;
                  absent: numbers, with a note)
  -k              kernel driver in use (sysfs), and "IOMMU group: N" (a dmagate extension line;
                  lspci shows the group at -v/-vv, as dmagate does too)
  -t              bus tree (-tv with names)
  -x, -xxx, -xxxx hex dump of 64, 256 or 4096 bytes, as lspci prints it (dmagate reads it back)
  -D              always show PCI domains
  -m, -mm         machine-readable output (-vmm: "Tag: value" records)

Selectors (lspci syntax, hex, empty or * = any):
  -s [[[[DOMAIN]:]BUS]:][DEV][.[FN]]    e.g. -s 0d:00.0, -s 0c:, -s .1, -s 0001:*:*.*
  -d [VENDOR]:[DEVICE][:CLASS]          e.g. -d 1e98:, -d 8086:0d93, -d ::0502

Output matches pciutils 3.9.0 byte for byte (tested on 33 real dumps, random registers and live
sysfs), VPD included (read from sysfs \`vpd\` at -vv); device bytes 0x80-0x9f in VPD text are
written as \\xNN (lspci prints them raw).
Problems in the bytes (loops, bad pointers, truncation) go to stderr as
"dmagate: <source>: <bdf> offset 0x.. <capability>: <message>". "Kernel modules" (libkmod) is
not shown. --json: one object per function with bdf, vendor, device, class (hex strings),
driver and iommuGroup (sysfs), and the decoded fields (docs/lspci.md).

Exit status: 0 ok, 1 the input had problems (the rest was still printed), 2 usage/I/O error.

Examples:
  dmagate lspci -F machine.txt -vvv                 # like lspci -F machine.txt -vvv
  dmagate lspci -F machine.txt -vvvn -s 0d:00.0     # one function, numbers only
  dmagate lspci -F machine.txt -nn -d 8086:         # Intel functions, names and numbers
  dmagate lspci -F machine.txt -tv                  # the bus tree with names
  dmagate lspci -F machine.txt -xxxx -s 0d:00.0 > one.txt   # a dump to attach to a bug report
  dmagate lspci -k                                  # this host: drivers and IOMMU groups
  dmagate lspci --sysfs /mnt/host -vv               # a copied or mounted host tree (holds sys/)
  dmagate lspci -F machine.txt -vmm                 # machine-readable records
  dmagate lspci -F machine.txt --json | jq '.functions[] | select(.ats) | .bdf'
`;

const count = (_v: string, prev: number): number => prev + 1;

export function register(program: Command, setExit: SetExit): void {
  program
    .command('lspci')
    .description('decode PCI config space (lspci dump or sysfs) and print it like lspci')
    .option('-F, --file <file>', 'read an lspci -x/-xxx/-xxxx hex dump instead of sysfs')
    .option('--sysfs <root>', 'the directory holding sys/ (default /)')
    .option('-s, --slot <selector>', 'only functions at [[[[domain]:]bus]:][dev][.[fn]]')
    .option('-d, --id <selector>', 'only functions with [vendor]:[device][:class]')
    .option('-v, --verbose', 'more detail; repeat as -vv or -vvv', count, 0)
    .option('-n, --numeric', 'numeric IDs; -nn: names and numbers', count, 0)
    .option('-i, --ids <file>', `PCI ID database (default ${DEFAULT_PCI_IDS})`)
    .option('-k, --kernel', 'kernel driver in use and IOMMU group (sysfs)')
    .option('-t, --tree', 'bus tree')
    .option('-x, --hex', 'hex dump: -x 64 bytes, -xxx 256, -xxxx 4096', count, 0)
    .option('-D, --domains', 'always show domain numbers')
    .option('-m, --machine', 'machine-readable output (-mm)', count, 0)
    .option('--json', 'decoded functions and issues as JSON (bigints as hex strings)')
    .addHelpText('after', HELP)
    .action((opts: { file?: string; sysfs?: string; slot?: string; id?: string; verbose: number; numeric: number; ids?: string; kernel?: boolean; tree?: boolean; hex: number; domains?: boolean; machine: number; json?: boolean }) => {
      const r = runLspci({
        file: opts.file,
        sysfs: opts.sysfs,
        slot: opts.slot,
        id: opts.id,
        verbose: opts.verbose,
        json: opts.json,
        numeric: opts.numeric,
        ids: opts.ids,
        kernel: opts.kernel,
        tree: opts.tree,
        hex: opts.hex,
        domains: opts.domains,
        machine: opts.machine,
      });
      for (const c of r.out) if (c.length) process.stdout.write(c);
      if (r.err) process.stderr.write(r.err);
      setExit(r.code);
    });
}
