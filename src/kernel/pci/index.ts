// Per-Platform lookup index (name -> DeviceDesc), memoised in a WeakMap so every model
// function finds a device in O(1) even on 100,000-function platforms. Pure: a Platform is
// never mutated, so the index is a function of it.
import type { DeviceDesc, Platform } from '../../platform/types.js';

const INDEX = new WeakMap<Platform, ReadonlyMap<string, DeviceDesc>>();

/** name -> DeviceDesc for `p` (built once per Platform object). */
export function deviceIndex(p: Platform): ReadonlyMap<string, DeviceDesc> {
  let m = INDEX.get(p);
  if (m === undefined) {
    const built = new Map<string, DeviceDesc>();
    for (const d of p.devices) built.set(d.name, d);
    m = built;
    INDEX.set(p, m);
  }
  return m;
}

/** The device called `name`, or undefined. */
export function findDevice(p: Platform, name: string): DeviceDesc | undefined {
  return deviceIndex(p).get(name);
}

/** The device called `name`; a missing name is our caller's bug (IMPOSSIBLE), not a kernel outcome. */
export function getDevice(p: Platform, name: string): DeviceDesc {
  const d = deviceIndex(p).get(name);
  if (d === undefined) throw new Error(`IMPOSSIBLE: no device "${name}" on platform "${p.name}"`);
  return d;
}
