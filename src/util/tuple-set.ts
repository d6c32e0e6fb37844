// A set of fixed-width tuples of int32s, each given an id in insertion order (0, 1, …): the
// explorer's table of seen states (a state as its vector of interned codes, kernel/state.ts)
// and the step/observe memo's tables (kernel/session.ts). It stands in for a
// Map<string, number> keyed by the tuple written as text, without building that text: the
// tuples sit back to back in one Int32Array, an open-addressing hash table (linear probing,
// load ≤ 1/2) holds id + 1 per slot, and a lookup compares the candidate's ints. Like SPIN's
// and TLC's state tables: fingerprint-free (a hit is an exact comparison, never a guess).

/** One position's share of a tuple's hash: murmur3's finaliser (a bijection of 32 bits) of
 * the code offset by the position, so distinct (position, code) pairs get distinct terms. */
function term(i: number, c: number): number {
  let h = (Math.imul(i, 0x9e3779b9) + c) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A tuple's hash: the XOR of its positions' terms (Zobrist hashing, as chess engines and
 * SPIN's hash compaction use), so that a tuple differing from a known one in a few places
 * has its hash updated in those places only (`patchedHash`). Equality is always checked
 * exactly. */
export function tupleHash(src: Int32Array, at: number, width: number): number {
  let h = 0;
  for (let i = 0; i < width; i++) h ^= term(i, src[at + i]);
  return h;
}

/** The hash of src[at ..] with code[k] written at position pos[k] (positions distinct), from
 * `h`, the hash of src[at ..] itself: the same number tupleHash gives for the patched tuple. */
export function patchedHash(h: number, src: Int32Array, at: number, pos: Int32Array, code: Int32Array): number {
  for (let k = 0; k < pos.length; k++) h ^= term(pos[k], src[at + pos[k]]) ^ term(pos[k], code[k]);
  return h;
}

export class TupleSet {
  /** The tuples, id by id: tuple `id` is data[id * width .. (id + 1) * width). Replaced (grown)
   * by `add`: read it afresh after adding. */
  data: Int32Array;
  private hashes: Int32Array;
  /** Two ints per slot: id + 1 (0: empty) and that tuple's hash, side by side so that a probe
   * reads one cache line before it compares tuples. */
  private slots: Int32Array;
  private mask: number;
  private n = 0;

  constructor(
    readonly width: number,
    expected = 16,
  ) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.data = new Int32Array(Math.max(1, expected * width));
    this.hashes = new Int32Array(Math.max(1, expected));
  }

  get size(): number {
    return this.n;
  }

  /** Bytes held outside the JS heap (ArrayBuffers): for the explorer's memory budget. */
  get bytes(): number {
    return this.data.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }

  /** The id of the tuple src[at .. at + width), or -1. */
  find(src: Int32Array, at: number): number {
    return this.findHashed(src, at, tupleHash(src, at, this.width));
  }

  /** `find`, given the tuple's tupleHash `h`. */
  findHashed(src: Int32Array, at: number, h: number): number {
    const w = this.width;
    const data = this.data;
    const slots = this.slots;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const id = slots[2 * s] - 1;
      if (id < 0) return -1;
      if (slots[2 * s + 1] !== h) continue;
      let i = 0;
      const base = id * w;
      while (i < w && data[base + i] === src[at + i]) i++;
      if (i === w) return id;
    }
  }

  /** `find` of src[at ..] with code[k] written at pos[k] (positions distinct), whose hash is
   * `h` (patchedHash), without writing the patched tuple out: a candidate equals it when it
   * holds code[k] at every pos[k] and src's ints everywhere else. */
  findPatched(src: Int32Array, at: number, pos: Int32Array, code: Int32Array, h: number): number {
    const w = this.width;
    const data = this.data;
    const slots = this.slots;
    probe: for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const id = slots[2 * s] - 1;
      if (id < 0) return -1;
      if (slots[2 * s + 1] !== h) continue;
      const base = id * w;
      for (let k = 0; k < pos.length; k++) if (data[base + pos[k]] !== code[k]) continue probe;
      for (let i = 0; i < w; i++) {
        if (data[base + i] === src[at + i]) continue;
        let patched = false; // a difference is allowed only where the patch writes
        for (let k = 0; k < pos.length; k++) if (pos[k] === i) patched = true;
        if (!patched) continue probe;
      }
      return id;
    }
  }

  /** The hash `add` stored for tuple `id`. */
  hashOf(id: number): number {
    return this.hashes[id];
  }

  /** Adds the tuple src[at .. at + width) (which must not be in the set: `find` first) and
   * returns its id (the number of tuples added before it). */
  add(src: Int32Array, at: number): number {
    return this.addHashed(src, at, tupleHash(src, at, this.width));
  }

  /** `add`, given the tuple's tupleHash `h`. */
  addHashed(src: Int32Array, at: number, h: number): number {
    const w = this.width;
    const id = this.n;
    if ((id + 1) * w > this.data.length) {
      const grown = new Int32Array(Math.max(this.data.length * 2, (id + 1) * w));
      grown.set(this.data);
      this.data = grown;
    }
    if (id >= this.hashes.length) {
      const grown = new Int32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    for (let i = 0; i < w; i++) this.data[id * w + i] = src[at + i];
    this.hashes[id] = h;
    this.n = id + 1;
    if (this.n * 4 > this.slots.length) this.rehash();
    else this.place(id, h);
    return id;
  }

  private place(id: number, h: number): void {
    let s = h & this.mask;
    while (this.slots[2 * s] !== 0) s = (s + 1) & this.mask;
    this.slots[2 * s] = id + 1;
    this.slots[2 * s + 1] = h;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length / 2 - 1;
    for (let id = 0; id < this.n; id++) this.place(id, this.hashes[id]);
  }
}
