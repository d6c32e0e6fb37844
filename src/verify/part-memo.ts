// Cross-cell sharing of explorations (docs/performance.md "Sharing parts between cells").
//
// The matrix explores each cell's independent parts (./reduce.ts); a part is a set of devices
// of the base platform. Most of the default matrix's 1,800 part explorations repeat one that
// another cell already did: the cells differ in variant flags, the profile, passthrough or the
// CC-guest bit, and a part reads only some of them (a part without a require_direct device
// never asks `rmr`, one without CXL.cache never asks `cxlAtsOptIn`, …).
//
// What a part reads is not guessed from the model's source: it is *recorded*. The exploration
// runs on a Platform and a Variant whose scalar fields are getters that log each field's first
// read (getters shared between all such objects, so the hot loop stays monomorphic). An
// exploration is a deterministic function of its inputs (the model is pure, ARCHITECTURE.md),
// so a later cell with the same devices, frozen set, invariants and bounds whose values agree
// on every field the earlier run read performs the very same computation — same reads, same
// states, same verdicts and traces — and gets the earlier result. (By induction over the run:
// each read returns what it returned the first time, so control flow cannot diverge.) Fields
// never read cannot influence the result. The devices themselves are matched by identity
// (the matrix's transforms share the base platform's DeviceDesc objects). The runs of one shape
// are kept as a decision tree over the fields in the order they were first read (Node below),
// so a lookup costs one field comparison per field read, however many runs there were.

import type { Platform } from '../kernel/platform.js';
import type { Variant } from '../kernel/variants.js';

/** Getters shared by every recording object with the same field list, so that they all have
 * one hidden class (the model's `tx.v.x` loads stay monomorphic): field i's getter sets bit i
 * of `m` and, the first time, appends the field's name to the run's read log `log`. */
const GETTERS = new Map<string, PropertyDescriptorMap>();
const HIDDEN = { enumerable: false, configurable: false };

function descriptors(keys: readonly string[], plain: readonly string[], prefix: string): PropertyDescriptorMap {
  const id = `${prefix}|${keys.join(',')}|${plain.join(',')}`;
  let d = GETTERS.get(id);
  if (d === undefined) {
    d = {};
    keys.forEach((k, i) => {
      if (plain.includes(k)) return;
      const bit = 1 << i;
      const name = prefix + k;
      d![k] = {
        enumerable: true,
        configurable: false,
        // `vals[i]`, not `s[k]`: closures of one function share their feedback, so a keyed load
        // by name would see every field's name, and the model's functions it is inlined into
        // would deoptimize ("wrong name"); an element load by index stays monomorphic.
        get(this: { m: number; vals: readonly unknown[]; log: string[] }): unknown {
          if ((this.m & bit) === 0) {
            this.m |= bit;
            this.log.push(name);
          }
          return this.vals[i];
        },
      };
    });
    GETTERS.set(id, d);
  }
  return d;
}

/** A copy of `src` whose own fields, except `plain`, log their first read into `log` (at most
 * 31 fields: one bit each). */
function recording<T extends object>(src: T, prefix: string, plain: readonly string[], log: string[]): T {
  const keys = Object.keys(src);
  if (keys.length > 31) throw new Error(`IMPOSSIBLE: ${keys.length} fields to record`);
  const out = Object.create(Object.prototype, {
    m: { ...HIDDEN, writable: true, value: 0 },
    vals: { ...HIDDEN, writable: false, value: keys.map((k) => (src as Record<string, unknown>)[k]) },
    log: { ...HIDDEN, writable: false, value: log },
  }) as Record<string, unknown>;
  for (const k of keys) if (plain.includes(k)) Object.defineProperty(out, k, { enumerable: true, configurable: false, writable: false, value: (src as Record<string, unknown>)[k] });
  Object.defineProperties(out, descriptors(keys, plain, prefix));
  return out as T;
}

/** A value read from a Platform/Variant field as text: equal texts ⇔ equal plain data
 * (strings, numbers, booleans, null, bigint, plain objects/arrays of them: cmdline, features;
 * objects built in another key order only compare unequal — a missed share, never a wrong one). */
function canon(x: unknown): string {
  return typeof x === 'string' ? `s${x}` : typeof x === 'object' && x !== null ? `o${JSON.stringify(x, (_k, y: unknown) => (typeof y === 'bigint' ? `${y}n` : y))}` : `${typeof x}:${String(x)}`;
}

/** canon() of every field of a Platform or Variant, computed once per object (the matrix asks
 * the same cell's objects once per part, and JSON.stringify of the cmdline is not free). A
 * Platform or Variant is never mutated (ARCHITECTURE.md), so the texts cannot go stale. */
const CANON = new WeakMap<object, Map<string, string>>();

function canonOf(o: object, key: string): string {
  let m = CANON.get(o);
  if (m === undefined) CANON.set(o, (m = new Map()));
  let c = m.get(key);
  if (c === undefined) {
    const x = (o as Record<string, unknown>)[key];
    // an object value (cmdline, features) is shared by the many Platforms spread from one
    // (cells, parts): its text once per object, not once per Platform
    if (typeof x === 'object' && x !== null) {
      c = OBJECT_CANON.get(x);
      if (c === undefined) OBJECT_CANON.set(x, (c = canon(x)));
    } else c = canon(x);
    m.set(key, c);
  }
  return c;
}
const OBJECT_CANON = new WeakMap<object, string>();

function canonAt(p: Platform, v: Variant, field: string): string {
  return field.startsWith('v.') ? canonOf(v, field.slice(2)) : canonOf(p, field.slice(2));
}

/** Earlier runs of one shape as a decision tree over the fields they read, in the order they
 * first read them. The order is itself determined by the values: every run computes the same
 * until its first field read, so all runs of a shape first read the same field; which field
 * comes next depends only on the value read, and so on. A lookup therefore asks one field per
 * level (what the runs asked) and reaches either an earlier run's result (every field that
 * run read agrees) or a value no run has seen (a miss). */
type Node<R> = { readonly leaf: true; readonly result: R } | { readonly leaf: false; readonly field: string; readonly next: Map<string, Node<R>> };

function chain<R>(p: Platform, v: Variant, fields: readonly string[], from: number, result: R): Node<R> {
  let node: Node<R> = { leaf: true, result };
  for (let i = fields.length - 1; i >= from; i--) node = { leaf: false, field: fields[i], next: new Map([[canonAt(p, v, fields[i]), node]]) };
  return node;
}

export interface MemoStats {
  /** Explorations run. */
  misses: number;
  /** Explorations answered from an earlier cell. */
  hits: number;
}

/** One matrix run's (or one worker's) memo of part explorations. */
export class PartMemo<R> {
  readonly stats: MemoStats = { misses: 0, hits: 0 };
  private readonly objIds = new WeakMap<object, number>();
  private nextId = 0;
  private readonly byShape = new Map<string, Node<R>>();

  private readonly platformKeys = new WeakMap<Platform, string>();

  /** The devices (by identity) and the field names of `p`, once per Platform object. */
  private platformKey(p: Platform): string {
    let k = this.platformKeys.get(p);
    if (k === undefined) this.platformKeys.set(p, (k = `${p.devices.map((d) => this.idOf(d)).join(',')};${Object.keys(p).join(',')}`));
    return k;
  }

  private idOf(o: object): number {
    let id = this.objIds.get(o);
    if (id === undefined) this.objIds.set(o, (id = this.nextId++));
    return id;
  }

  /** Adds a run that read `fields` (in first-read order) below `root`. */
  private insert(key: string, root: Node<R> | undefined, p: Platform, v: Variant, fields: readonly string[], result: R): void {
    if (root === undefined) {
      this.byShape.set(key, chain(p, v, fields, 0, result));
      return;
    }
    let node = root;
    for (let i = 0; ; i++) {
      // The lookup missed below here, so the run must have asked what the tree asks (see Node).
      if (node.leaf || i >= fields.length || node.field !== fields[i]) throw new Error(`IMPOSSIBLE: a part exploration read ${fields.join(', ') || 'nothing'} where an earlier one with the same values read ${node.leaf ? 'no more' : node.field} (the model is not a pure function of its inputs)`);
      const c = canonAt(p, v, fields[i]);
      const next = node.next.get(c);
      if (next === undefined) {
        node.next.set(c, chain(p, v, fields, i + 1, result));
        return;
      }
      node = next;
    }
  }

  /** `run`'s result for (p, v) — or that of an earlier call with the same `shape` (devices,
   * frozen set, invariants, bounds: everything but the platform's and variant's scalar
   * fields) whose recorded reads agree with (p, v). `run` gets the recording copies. */
  get(shape: string, p: Platform, v: Variant, run: (p: Platform, v: Variant) => R): R {
    // The field names are part of the shape: a field absent here but present there (an
    // optional one) is read as undefined without being recorded.
    const key = `${this.platformKey(p)};${Object.keys(v).join(',')};${shape}`;
    const root = this.byShape.get(key);
    let node = root;
    while (node !== undefined && !node.leaf) node = node.next.get(canonAt(p, v, node.field));
    if (node !== undefined) {
      this.stats.hits++;
      return node.result;
    }
    const log: string[] = [];
    const result = run(recording(p, 'p.', ['devices'], log), recording(v, 'v.', [], log));
    // A run stopped by the heap budget depends on more than its inputs: never shared.
    if ((result as { boundHit?: unknown }).boundHit !== 'memory') this.insert(key, root, p, v, log, result);
    this.stats.misses++;
    return result;
  }
}
