// Cross-cell sharing of explorations (docs/performance.md "Sharing parts between cells").
//
// The matrix explores each cell's independent parts (./reduce.ts); a part is a set of devices
// of the base platform. Most of the default matrix's 1,800 part explorations repeat one that
// another cell already did: the cells differ in variant flags, the profile, passthrough or the
// CC-guest bit, and a part reads only some of them (a part without a require_direct device
// never asks `rmr`, one without CXL.cache never asks `cxlAtsOptIn`, …).
//
// What a part reads is not guessed from the model's source: it is *recorded*. The exploration
// runs on a Platform and a Variant whose scalar fields are getters that set one bit per field
// read (getters shared between all such objects, so the hot loop stays monomorphic). An
// exploration is a deterministic function of its inputs (the model is pure, ARCHITECTURE.md),
// so a later cell with the same devices, frozen set, invariants and bounds whose values agree
// on every field the earlier run read performs the very same computation — same reads, same
// states, same verdicts and traces — and gets the earlier result. (By induction over the run:
// each read returns what it returned the first time, so control flow cannot diverge.) Fields
// never read cannot influence the result. The devices themselves are matched by identity
// (the matrix's transforms share the base platform's DeviceDesc objects).

import type { Platform } from '../kernel/platform.js';
import type { Variant } from '../kernel/variants.js';

/** Getters shared by every recording object with the same field list, so that they all have
 * one hidden class (the model's `tx.v.x` loads stay monomorphic): field i sets bit i of `m`. */
const GETTERS = new Map<string, PropertyDescriptorMap>();
const HIDDEN = { enumerable: false, configurable: false };

function descriptors(keys: readonly string[], plain: readonly string[]): PropertyDescriptorMap {
  const id = `${keys.join(',')}|${plain.join(',')}`;
  let d = GETTERS.get(id);
  if (d === undefined) {
    d = {};
    keys.forEach((k, i) => {
      if (plain.includes(k)) return;
      const bit = 1 << i;
      d![k] = {
        enumerable: true,
        configurable: false,
        get(this: { m: number; s: Record<string, unknown> }): unknown {
          this.m |= bit;
          return this.s[k];
        },
      };
    });
    GETTERS.set(id, d);
  }
  return d;
}

interface Recording {
  readonly object: object;
  /** The fields read so far, with their values. */
  reads(): [string, unknown][];
}

/** A copy of `src` whose own fields, except `plain`, record that they were read (at most 31
 * fields: one bit each). */
function recording<T extends object>(src: T, prefix: string, plain: readonly string[]): Recording & { readonly object: T } {
  const keys = Object.keys(src);
  if (keys.length > 31) throw new Error(`IMPOSSIBLE: ${keys.length} fields to record`);
  const out = Object.create(Object.prototype, { m: { ...HIDDEN, writable: true, value: 0 }, s: { ...HIDDEN, writable: false, value: src } }) as Record<string, unknown>;
  for (const k of keys) if (plain.includes(k)) Object.defineProperty(out, k, { enumerable: true, configurable: false, writable: false, value: (src as Record<string, unknown>)[k] });
  Object.defineProperties(out, descriptors(keys, plain));
  return {
    object: out as T,
    reads: () => {
      const m = out.m as number;
      const r: [string, unknown][] = [];
      keys.forEach((k, i) => {
        if ((m & (1 << i)) !== 0) r.push([prefix + k, (src as Record<string, unknown>)[k]]);
      });
      return r;
    },
  };
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
  if (c === undefined) m.set(key, (c = canon((o as Record<string, unknown>)[key])));
  return c;
}

function canonAt(p: Platform, v: Variant, field: string): string {
  return field.startsWith('v.') ? canonOf(v, field.slice(2)) : canonOf(p, field.slice(2));
}

/** Earlier runs that read the same set of fields, by the values they read. */
interface ReadSet<R> {
  readonly fields: readonly string[];
  readonly byValues: Map<string, R>;
}

function valuesKey(p: Platform, v: Variant, fields: readonly string[]): string {
  let k = '';
  for (const f of fields) k += canonAt(p, v, f) + '\u0000';
  return k;
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
  private readonly byShape = new Map<string, ReadSet<R>[]>();

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

  /** `run`'s result for (p, v) — or that of an earlier call with the same `shape` (devices,
   * frozen set, invariants, bounds: everything but the platform's and variant's scalar
   * fields) whose recorded reads agree with (p, v). `run` gets the recording copies. */
  get(shape: string, p: Platform, v: Variant, run: (p: Platform, v: Variant) => R): R {
    // The field names are part of the shape: a field absent here but present there (an
    // optional one) is read as undefined without being recorded.
    const key = `${this.platformKey(p)};${Object.keys(v).join(',')};${shape}`;
    let sets = this.byShape.get(key);
    if (sets !== undefined) {
      for (const rs of sets) {
        const hit = rs.byValues.get(valuesKey(p, v, rs.fields));
        if (hit !== undefined) {
          this.stats.hits++;
          return hit;
        }
      }
    } else this.byShape.set(key, (sets = []));
    const rp = recording(p, 'p.', ['devices']);
    const rv = recording(v, 'v.', []);
    const result = run(rp.object, rv.object);
    const fields = [...rp.reads(), ...rv.reads()].map(([f]) => f);
    let rs = sets.find((x) => x.fields.length === fields.length && x.fields.every((f, i) => f === fields[i]));
    if (rs === undefined) sets.push((rs = { fields, byValues: new Map() }));
    rs.byValues.set(valuesKey(p, v, fields), result);
    this.stats.misses++;
    return result;
  }
}
