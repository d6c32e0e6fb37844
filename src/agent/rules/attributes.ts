// The attributes a rule can match on: name, how a value is written, what it reads from the
// device (device.ts). Single-valued attributes hold one value per device; multi-valued ones
// (`with-cap`, `via`) hold a set. Values are parsed when the rule is loaded, so a bad value
// is an error at its line and column, never a silent non-match.
import { parseBdf, formatBdf } from '../../pci/bdf.js';
import { CAPS, type AgentDevice } from '../device.js';
import { didYouMean } from '../../util/suggest.js';
import { RuleError, type Pos } from './errors.js';

/** A parsed value: a predicate on one device value, and its canonical text. */
export interface Pattern {
  readonly text: string;
  test(v: string): boolean;
}

export interface AttrDef {
  readonly name: string;
  readonly multi: boolean;
  /** What a value looks like, for error messages and docs. */
  readonly syntax: string;
  readonly help: string;
  parse(text: string, pos: Pos): Pattern;
  /** The device's value(s) in canonical text; null: unknown. */
  read(d: AgentDevice): string | readonly string[] | null;
}

const exact = (t: string): Pattern => ({ text: t, test: (v) => v === t });

/** "VVVV:DDDD" with `*` for either half. */
function idPattern(what: string) {
  return (text: string, pos: Pos): Pattern => {
    const m = /^([0-9a-fA-F]{4}|\*):([0-9a-fA-F]{4}|\*)$/.exec(text);
    if (text === '*') return { text: '*:*', test: () => true };
    if (!m) throw new RuleError(pos, `${what} wants VVVV:DDDD (4 hex digits each, * for any), got "${text}"`);
    const v = m[1].toLowerCase();
    const d = m[2].toLowerCase();
    return { text: `${v}:${d}`, test: (x) => (v === '*' || x.slice(0, 4) === v) && (d === '*' || x.slice(5) === d) };
  };
}

const h4 = (n: number): string => n.toString(16).padStart(4, '0');
const h2 = (n: number): string => n.toString(16).padStart(2, '0');

function classPattern(text: string, pos: Pos): Pattern {
  const parts = text.split(':');
  if (parts.length < 1 || parts.length > 3 || !parts.every((p) => /^([0-9a-fA-F]{2}|\*)$/.test(p))) {
    throw new RuleError(pos, `class wants CC[:SS[:PI]] (2 hex digits each, * for any), got "${text}"`);
  }
  const want = parts.map((p) => p.toLowerCase());
  return { text: want.join(':'), test: (v) => want.every((w, i) => w === '*' || v.split(':')[i] === w) };
}

function bdfPattern(what: string) {
  return (text: string, pos: Pos): Pattern => {
    const b = parseBdf(text);
    if (!b) throw new RuleError(pos, `${what} wants a PCI address [DDDD:]BB:DD.F, got "${text}"`);
    return exact(formatBdf(b, true));
  };
}

/** A glob with `*` (any run of characters), else exact. */
function globPattern(text: string): Pattern {
  if (!text.includes('*')) return exact(text);
  const re = new RegExp('^' + text.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return { text, test: (v) => re.test(v) };
}

function boolPattern(what: string) {
  return (text: string, pos: Pos): Pattern => {
    if (text === 'yes' || text === 'true') return exact('yes');
    if (text === 'no' || text === 'false') return exact('no');
    throw new RuleError(pos, `${what} wants yes or no, got "${text}"`);
  };
}

const yn = (b: boolean | null): string | null => (b === null ? null : b ? 'yes' : 'no');

function hashPattern(what: string) {
  return (text: string, pos: Pos): Pattern => {
    const m = /^(?:sha256:)?([0-9a-fA-F]{64})$/.exec(text);
    if (!m) throw new RuleError(pos, `${what} wants sha256:<64 hex digits> (as \`dmagate agent list\` prints it), got "${text}"`);
    return exact(`sha256:${m[1].toLowerCase()}`);
  };
}

function groupSizePattern(text: string, pos: Pos): Pattern {
  const m = /^(<=|>=|<|>|=)?([0-9]+)$/.exec(text);
  if (!m) throw new RuleError(pos, `group-size wants a number, optionally after <, <=, >, >= (e.g. 1 or >1), got "${text}"`);
  const n = Number(m[2]);
  const op = m[1] ?? '=';
  const cmp: Record<string, (x: number) => boolean> = { '=': (x) => x === n, '<': (x) => x < n, '<=': (x) => x <= n, '>': (x) => x > n, '>=': (x) => x >= n };
  return { text: op === '=' ? String(n) : `${op}${n}`, test: (v) => cmp[op](Number(v)) };
}

export const ATTRIBUTES: readonly AttrDef[] = [
  { name: 'id', multi: false, syntax: 'VVVV:DDDD', help: 'vendor:device ID, * for any half', parse: idPattern('id'), read: (d) => (d.vendor === null || d.device === null ? null : `${h4(d.vendor)}:${h4(d.device)}`) },
  {
    name: 'subsystem',
    multi: false,
    syntax: 'VVVV:DDDD',
    help: 'subsystem vendor:device ID',
    parse: idPattern('subsystem'),
    read: (d) => (d.subsystemVendor === null || d.subsystemDevice === null ? null : `${h4(d.subsystemVendor)}:${h4(d.subsystemDevice)}`),
  },
  {
    name: 'class',
    multi: false,
    syntax: 'CC[:SS[:PI]]',
    help: 'base class, subclass, programming interface',
    parse: classPattern,
    read: (d) => (d.classCode === null ? null : `${h2(d.classCode >> 16)}:${h2((d.classCode >> 8) & 0xff)}:${h2(d.classCode & 0xff)}`),
  },
  { name: 'slot', multi: false, syntax: '[DDDD:]BB:DD.F', help: 'the function\'s PCI address (bus numbers can change: prefer path or hash)', parse: bdfPattern('slot'), read: (d) => d.bdf },
  { name: 'via', multi: true, syntax: '[DDDD:]BB:DD.F', help: 'an upstream bridge, any level up to the root port', parse: bdfPattern('via'), read: (d) => d.via },
  { name: 'path', multi: false, syntax: '"/sys/devices/…"', help: 'physical sysfs path (`*` glob)', parse: (t) => globPattern(t), read: (d) => d.path },
  {
    name: 'dsn',
    multi: false,
    syntax: 'xx-xx-xx-xx-xx-xx-xx-xx',
    help: 'Device Serial Number, as lspci prints it',
    parse: (t, pos) => {
      if (!/^([0-9a-fA-F]{2}-){7}[0-9a-fA-F]{2}$/.test(t)) throw new RuleError(pos, `dsn wants 8 dash-separated hex bytes like lspci prints (01-23-45-67-89-ab-cd-ef), got "${t}"`);
      return exact(t.toLowerCase());
    },
    read: (d) => d.dsn,
  },
  { name: 'hash', multi: false, syntax: 'sha256:<hex>', help: 'the device measurement (docs/agent.md "Measurement")', parse: hashPattern('hash'), read: (d) => d.hash },
  { name: 'parent-hash', multi: false, syntax: 'sha256:<hex>', help: "the upstream bridge's measurement", parse: hashPattern('parent-hash'), read: (d) => d.parentHash },
  {
    name: 'with-cap',
    multi: true,
    syntax: CAPS.join('|'),
    help: 'a capability the device has',
    parse: (t, pos) => {
      if (!(CAPS as readonly string[]).includes(t)) throw new RuleError(pos, `unknown capability "${t}"${didYouMean(t, CAPS)} (known: ${CAPS.join(', ')})`);
      return exact(t);
    },
    read: (d) => (d.caps === null ? null : [...d.caps]),
  },
  { name: 'external', multi: false, syntax: 'yes|no', help: 'behind an external-facing port (untrusted)', parse: boolPattern('external'), read: (d) => yn(d.external) },
  { name: 'removable', multi: false, syntax: 'yes|no', help: 'the kernel marks it removable', parse: boolPattern('removable'), read: (d) => yn(d.removable) },
  { name: 'group-size', multi: false, syntax: 'N|<N|<=N|>N|>=N', help: 'devices in its IOMMU group', parse: groupSizePattern, read: (d) => (d.groupSize === null ? null : String(d.groupSize)) },
  { name: 'vf', multi: false, syntax: 'yes|no', help: 'an SR-IOV virtual function', parse: boolPattern('vf'), read: (d) => yn(d.vf) },
  { name: 'driver', multi: false, syntax: 'NAME|none', help: 'the driver bound now (`*` glob; none: unbound)', parse: (t) => globPattern(t), read: (d) => d.driver ?? 'none' },
  { name: 'label', multi: false, syntax: '"text"', help: 'metadata only: matches every device, shown in listings', parse: (t) => ({ text: t, test: () => true }), read: () => '' },
];

export const ATTRIBUTE_NAMES: readonly string[] = ATTRIBUTES.map((a) => a.name);
const BY_NAME = new Map(ATTRIBUTES.map((a) => [a.name, a]));
export const attribute = (name: string): AttrDef | undefined => BY_NAME.get(name);

/** Attributes that take no value when written bare (`external` = `external yes`). */
export const BARE_BOOLEAN: ReadonlySet<string> = new Set(['external', 'removable', 'vf']);
