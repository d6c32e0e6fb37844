// A set of fixed-width tuples of int32s, each given an id in insertion order (0, 1, …): the
// explorer's table of seen states (a state as its vector of interned codes, kernel/state.ts)
// and the step/observe memo's tables (kernel/session.ts). It stands in for a
// Map<string, number> keyed by the tuple written as text, without building that text: the
// tuples sit back to back in one Int32Array, an open-addressing hash table (linear probing,
// load ≤ 1/2) holds id + 1 per slot, and a lookup compares the candidate's ints. Like SPIN's
// and TLC's state tables: fingerprint-free (a hit is an exact comparison, never a guess).

/** A 32-bit hash of one tuple: FNV-1a over whole ints (each step (h ^ x) · odd constant is a
 * bijection of h, so tuples differing in one place never collide), then murmur3's finaliser
 * to spread the bits the table's mask keeps. Equality is always checked exactly. */
function hashOf(src: Int32Array, at: number, width: number): number {
  let h = 0x811c9dc5 ^ width;
  for (let i = 0; i < width; i++) h = Math.imul(h ^ src[at + i], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
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
    const w = this.width;
    const h = hashOf(src, at, w);
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

  /** Adds the tuple src[at .. at + width) (which must not be in the set: `find` first) and
   * returns its id (the number of tuples added before it). */
  add(src: Int32Array, at: number): number {
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
    const h = hashOf(src, at, w);
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
