// Name -> per-device value for the per-Platform indices (pci/index.ts, platform-index.ts):
// one shared name -> order hash table plus arrays by order, instead of one 100,000-entry Map
// per index (bench/model-bench.ts). Reads like the Map it replaces: a name given twice resolves
// to its last device; values() follows the names' first appearance in p.devices.

export interface NameIndex<V> {
  readonly size: number;
  get(name: string): V | undefined;
  has(name: string): boolean;
  values(): IterableIterator<V>;
}

/** `orderOf`: name -> order (Map.set over p.devices, so the last device of a name wins);
 * `byOrder`: the value of each order. */
export function nameIndex<V>(orderOf: ReadonlyMap<string, number>, byOrder: readonly V[]): NameIndex<V> {
  return {
    get size(): number {
      return orderOf.size;
    },
    get: (name) => {
      const i = orderOf.get(name);
      return i === undefined ? undefined : byOrder[i];
    },
    has: (name) => orderOf.has(name),
    values: function* () {
      for (const i of orderOf.values()) yield byOrder[i];
    },
  };
}
