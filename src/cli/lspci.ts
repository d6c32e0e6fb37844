// `dmagate lspci`: decode PCI config space from an lspci hex dump or sysfs and print it the way
// pciutils 3.9.0 `lspci -n` does (full text for ATS/PASID/PRI/SR-IOV/ACS/DSN/DVSEC+CXL).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { sriovVfRidRange } from '../pci/caps/sriov.js';
import { decodeFunction } from '../pci/decode.js';
import { formatBdf } from '../pci/bdf.js';
import { openDumpSource, parseDumpFile, type DumpSource } from '../pci/dump.js';
import { printFunction } from '../pci/print/lspci.js';
import { matchId, matchSlot, parseIdFilter, parseSlotFilter, type IdFilter, type SlotFilter } from '../pci/select.js';
import { readSysfsTree } from '../pci/sysfs-config.js';
import type { Bdf, ConfigIssue, ConfigSpace, PciFunction } from '../pci/types.js';
import type { SetExit } from './commands.js';

export interface LspciOptions {
  /** lspci -F: a hex dump file. */
  readonly file?: string;
  /** sysfs root (`/sys`, or `/` holding sys/); default `/sys` when no file is given. */
  readonly sysfs?: string;
  readonly slot?: string;
  readonly id?: string;
  readonly verbose: number;
  readonly json?: boolean;
}

export interface LspciResult {
  /** stdout, in chunks (large dumps make large outputs; text chunks are ASCII buffers). */
  readonly out: (string | Uint8Array)[];
  readonly err: string;
  /** 0 ok; 1 the input had syntax errors (output still printed); 2 usage or I/O error. */
  readonly code: number;
}

interface Source {
  readonly label: string;
  readonly items: { bdf: Bdf; config: ConfigSpace; issues: ConfigIssue[]; label: string }[];
  readonly issues: ConfigIssue[];
  readonly errors: string[];
}

function sysfsDir(root: string): string | null {
  for (const r of [root, join(root, 'sys')]) if (existsSync(join(r, 'bus', 'pci', 'devices'))) return r;
  return null;
}

function loadSource(o: LspciOptions, dump?: DumpSource): Source | string {
  if (o.file !== undefined) {
    let p: ReturnType<typeof parseDumpFile>;
    try {
      p = parseDumpFile(dump ?? openDumpSource(o.file), o.file);
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    return { label: o.file, items: p.functions.map((f) => ({ bdf: f.bdf, config: f.config, issues: [], label: o.file! })), issues: p.issues, errors: [] };
  }
  const root = o.sysfs ?? '/sys';
  const dir = sysfsDir(root);
  if (!dir) return `no PCI devices directory under ${root} (expected ${join(root, 'bus/pci/devices')} or ${join(root, 'sys/bus/pci/devices')})`;
  const t = readSysfsTree(dir);
  return {
    label: dir,
    items: t.functions.map((f) => ({ bdf: f.bdf, config: f.read.config, issues: f.read.issues, label: f.path })),
    issues: [],
    errors: t.errors,
  };
}

const cmpBdf = (a: Bdf, b: Bdf): number => a.domain - b.domain || a.bus - b.bus || a.dev - b.dev || a.fn - b.fn;

function issueLine(label: string, bdf: string, i: ConfigIssue): string {
  return `dmagate: ${label}: ${bdf} offset 0x${i.offset.toString(16)} ${i.cap}: ${i.message}\n`;
}

/** JSON form of a function: bigints as hex strings, config as its readable length. */
export function functionToJson(f: PciFunction): unknown {
  const { config, ...rest } = f;
  // A range, not one entry per VF: the output stays bounded by the input (NumVFs 0xffff).
  const vfs = f.sriov ? sriovVfRidRange(f.bdf, f.sriov) : undefined;
  const ridBdf = (rid: number): string | null => (rid > 0xffff ? null : formatBdf({ domain: f.bdf.domain, bus: rid >> 8, dev: (rid >> 3) & 0x1f, fn: rid & 7 }, true));
  return {
    ...rest,
    bdf: formatBdf(f.bdf, true),
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
  readonly status: 'ok' | 'unsorted' | 'domain';
  readonly out: Uint8Array[];
  readonly err: string;
  readonly parseIssues: ConfigIssue[];
}

/**
 * Text output for a dump already in lspci's order (the usual case): parse, decode and print
 * one function at a time through one reused buffer. Gives up ('unsorted') at the first
 * function out of order, and ('domain') at a non-zero domain when printing without domains.
 */
function streamDump(src: DumpSource, file: string, slot: SlotFilter | null, wanted: (f: PciFunction) => boolean, verbose: number, showDomain: boolean): StreamResult {
  const ob = new OutBuf();
  let err = '';
  let status: StreamResult['status'] = 'ok';
  let prev: Bdf | null = null;
  const p = parseDumpFile(src, file, (x) => {
    if (prev && cmpBdf(prev, x.bdf) > 0) {
      status = 'unsorted';
      return false;
    }
    if (x.bdf.domain !== 0 && !showDomain) {
      status = 'domain';
      return false;
    }
    prev = x.bdf;
    if (slot && !matchSlot(slot, x.bdf)) return true;
    const f = decodeFunction(x.bdf, x.config);
    if (!wanted(f)) return true;
    ob.add(printFunction(f, { verbose, showDomain }));
    if (f.issues.length) {
      const bdf = formatBdf(f.bdf, showDomain);
      for (const i of f.issues) err += issueLine(file, bdf, i);
    }
    return true;
  });
  return { status, out: ob.flush(), err, parseIssues: p.issues };
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
  const wanted = (f: PciFunction): boolean => {
    if (!id) return true;
    const h = f.header;
    return h !== null && matchId(id, h.vendorId, h.deviceId, (h.classCode << 8) | h.subclass, h.progIf);
  };
  // The dump is opened once through the bounded reader: a pipe is read here, once, so the
  // fallback below (unsorted dumps, other domains) parses the same bytes again.
  let dump: DumpSource | undefined;
  if (o.file !== undefined) {
    try {
      dump = openDumpSource(o.file);
    } catch (e) {
      return { out: [], err: `dmagate: lspci: ${e instanceof Error ? e.message : String(e)}\n`, code: 2 };
    }
  }
  if (o.file !== undefined && dump !== undefined && !o.json) {
    try {
      let r = streamDump(dump, o.file, slot, wanted, o.verbose, false);
      if (r.status === 'domain') r = streamDump(dump, o.file, slot, wanted, o.verbose, true);
      if (r.status === 'ok') {
        const perr = r.parseIssues.map((i) => `dmagate: ${i.where ?? o.file}: ${i.message}\n`).join('');
        return { out: r.out, err: perr + r.err, code: r.parseIssues.length ? 1 : 0 };
      }
    } catch {
      // unreadable file: reported below by the collecting path
    }
  }
  const src = loadSource(o, dump);
  if (typeof src === 'string') return { out: [], err: `dmagate: lspci: ${src}\n`, code: 2 };
  const items = src.items.filter((x) => !slot || matchSlot(slot, x.bdf));
  items.sort((a, b) => cmpBdf(a.bdf, b.bdf));
  let err = src.errors.map((e) => `dmagate: ${e}\n`).join('');
  for (const i of src.issues) err += `dmagate: ${i.where ?? src.label}: ${i.message}\n`;
  const code = src.issues.length ? 1 : 0;
  if (o.json) {
    const fns: PciFunction[] = [];
    const issues: unknown[] = src.issues.map((i) => ({ ...i, bdf: null }));
    for (const x of items) {
      const f = decodeFunction(x.bdf, x.config);
      if (!wanted(f)) continue;
      fns.push(f);
      for (const i of [...x.issues, ...f.issues]) issues.push({ ...i, bdf: formatBdf(f.bdf, true) });
    }
    const doc = { source: src.label, functions: fns.map(functionToJson), issues, errors: src.errors };
    return { out: [JSON.stringify(doc, jsonReplacer, 2) + '\n'], err, code };
  }
  // Decode and print one function at a time: nothing decoded outlives its own output.
  const showDomain = items.some((x) => x.bdf.domain !== 0);
  const ob = new OutBuf();
  for (const x of items) {
    const f = decodeFunction(x.bdf, x.config);
    if (!wanted(f)) continue;
    ob.add(printFunction(f, { verbose: o.verbose, showDomain }));
    if (x.issues.length || f.issues.length) {
      const bdf = formatBdf(f.bdf, showDomain);
      for (const i of x.issues) err += issueLine(x.label, bdf, i);
      for (const i of f.issues) err += issueLine(x.label, bdf, i);
    }
  }
  return { out: ob.flush(), err, code };
}

const HELP = `
Sources (default: /sys):
  -F FILE         an lspci hex dump (lspci -x, -xxx or -xxxx output; many devices per file)
  --sysfs ROOT    a sysfs tree: ROOT/bus/pci/devices/*/config (ROOT=/sys) or ROOT/sys/...
                  Without root the kernel returns only 64 bytes per device: capabilities then
                  show as "<access denied>" and a TRUNCATED issue is reported, never guessed.

Selectors (lspci syntax, hex, empty or * = any):
  -s [[[[DOMAIN]:]BUS]:][DEV][.[FN]]    e.g. -s 0d:00.0, -s 0c:, -s .1, -s 0001:*:*.*
  -d [VENDOR]:[DEVICE][:CLASS]          e.g. -d 1e98:, -d 8086:0d93, -d ::0502

Output matches pciutils 3.9.0 \`lspci -n\` line for line for the device line, the header lines
(Control, Status, Regions, bridge windows, ...), the PCI Express title and the whole ATS, PASID,
PRI, SR-IOV, ACS, Device Serial Number and DVSEC (CXL) blocks; other capabilities are listed by
offset and title only (lspci decodes their bodies too). Problems in the bytes (loops, bad
pointers, truncation) go to stderr as "dmagate: <source>: <bdf> offset 0x.. <capability>: <message>".

Exit status: 0 ok, 1 the dump had syntax errors (the rest was still decoded), 2 usage/I/O error.

Examples:
  dmagate lspci -F machine.txt -vvv                 # like lspci -F machine.txt -vvvn
  dmagate lspci -F machine.txt -vv -d 8086:         # Intel functions only
  dmagate lspci -F machine.txt -vv -d ::0502        # CXL memory devices (class 0502)
  dmagate lspci -F machine.txt -vvv -s 0d:00.0      # one function
  dmagate lspci --sysfs /sys -vv                    # this host (run as root for > 64 bytes)
  dmagate lspci -F machine.txt --json | jq '.functions[] | select(.ats) | .bdf'
`;

export function register(program: Command, setExit: SetExit): void {
  program
    .command('lspci')
    .description('decode PCI config space (lspci dump or sysfs) and print it like lspci -n')
    .option('-F, --file <file>', 'read an lspci -x/-xxx/-xxxx hex dump instead of sysfs')
    .option('--sysfs <root>', 'sysfs root (default /sys)')
    .option('-s, --slot <selector>', 'only functions at [[[[domain]:]bus]:][dev][.[fn]]')
    .option('-d, --id <selector>', 'only functions with [vendor]:[device][:class]')
    .option('-v, --verbose', 'more detail; repeat as -vv or -vvv', (_v: string, prev: number) => prev + 1, 0)
    .option('--json', 'decoded functions and issues as JSON (bigints as hex strings)')
    .addHelpText('after', HELP)
    .action((opts: { file?: string; sysfs?: string; slot?: string; id?: string; verbose: number; json?: boolean }) => {
      const r = runLspci({ file: opts.file, sysfs: opts.sysfs, slot: opts.slot, id: opts.id, verbose: opts.verbose, json: opts.json });
      for (const c of r.out) if (c.length) process.stdout.write(c);
      if (r.err) process.stderr.write(r.err);
      setExit(r.code);
    });
}
