// A writer that writes through the real confined writer (src/platform/sysfs-write.ts) into a
// fake sysfs tree and then does what the kernel would do for that attribute, so tests can
// see devices bound, unbound and removed:
//   drivers_probe ← BDF       binds driver_override if set (none: nothing), else the device's
//                             matching driver from `matches` (drivers/base/dd.c driver_probe_device)
//   drivers/X/bind ← BDF      binds X (refused when driver_override names another driver)
//   drivers/X/unbind ← BDF    unbinds
//   devices/BDF/remove ← 1    removes the function (pci_stop_and_remove_bus_device)
import { existsSync, lstatSync, mkdirSync, readdirSync as readdirSync0, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync as writeFileSync0 } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { writeSysfsAttr } from '../../../src/platform/sysfs-write.js';
import type { Writer } from '../../../src/agent/engine.js';

export interface FakeKernel extends Writer {
  readonly writes: { path: string; value: string }[];
}

function devDir(root: string, bdf: string): string | null {
  const l = join(root, 'sys', 'bus', 'pci', 'devices', bdf);
  if (!existsSync(l)) return null;
  return resolve(dirname(l), readlinkSync(l));
}

function bind(root: string, bdf: string, drv: string): void {
  const d = devDir(root, bdf);
  if (d === null || existsSync(join(d, 'driver'))) return;
  const dd = join(root, 'sys', 'bus', 'pci', 'drivers', drv);
  mkdirSync(dd, { recursive: true });
  symlinkSync(relative(d, dd), join(d, 'driver'));
  symlinkSync(relative(dd, d), join(dd, bdf));
}

function override(d: string): string | null {
  try {
    const t = readFileSync(join(d, 'driver_override'), 'utf8').trim();
    return t === '' || t === '(null)' ? null : t;
  } catch {
    return null;
  }
}

export function fakeKernel(matches: Readonly<Record<string, string>>): FakeKernel {
  const writes: { path: string; value: string }[] = [];
  return {
    writes,
    write(root: string, rel: string, value: string): void {
      writeSysfsAttr(root, rel, value);
      writes.push({ path: rel, value });
      let m: RegExpExecArray | null;
      if (rel === 'sys/bus/pci/drivers_probe') {
        const d = devDir(root, value);
        if (d === null) return;
        const o = override(d);
        const drv = o ?? matches[value];
        if (drv !== undefined && drv !== 'none') bind(root, value, drv);
      } else if ((m = /^sys\/bus\/pci\/drivers\/([^/]+)\/bind$/.exec(rel)) !== null) {
        const d = devDir(root, value);
        if (d === null) return;
        const o = override(d);
        if (o !== null && o !== m[1]) throw new Error(`bind ${m[1]}: driver_override is ${o} (-EINVAL)`);
        bind(root, value, m[1]);
      } else if ((m = /^sys\/bus\/pci\/drivers\/([^/]+)\/unbind$/.exec(rel)) !== null) {
        const d = devDir(root, value);
        if (d === null) return;
        if (lstatSync(join(d, 'driver'), { throwIfNoEntry: false }) !== undefined) unlinkSync(join(d, 'driver'));
        rmSync(join(root, 'sys', 'bus', 'pci', 'drivers', m[1], value), { force: true });
      } else if ((m = /^sys\/bus\/pci\/devices\/([^/]+)\/remove$/.exec(rel)) !== null) {
        const d = devDir(root, m[1]);
        if (d === null) return;
        // The kernel removes a function atomically as userspace sees it; so does this emulation
        // even when the process is killed halfway: first the bus entry goes, then the directory.
        unlinkSync(join(root, 'sys', 'bus', 'pci', 'devices', m[1]));
        rmSync(d, { recursive: true, force: true });
      }
    },
  };
}

/** Gives every driver directory its bind/unbind attributes and the bus its drivers_probe /
 * drivers_autoprobe files (the fake tree builder makes only what the reader needs). */
export function addWritableAttrs(root: string, drivers: readonly string[]): void {
  const bus = join(root, 'sys', 'bus', 'pci');
  for (const f of ['drivers_probe', 'drivers_autoprobe']) if (!existsSync(join(bus, f))) writeFileSync0(join(bus, f), f === 'drivers_autoprobe' ? '1\n' : '');
  for (const drv of drivers) {
    const dd = join(bus, 'drivers', drv);
    mkdirSync(dd, { recursive: true });
    for (const a of ['bind', 'unbind']) if (!existsSync(join(dd, a))) writeFileSync0(join(dd, a), '');
  }
  const devs = join(bus, 'devices');
  for (const n of existsSync(devs) ? readdirSync0(devs) : []) {
    const d = devDir(root, n);
    if (d !== null && !existsSync(join(d, 'remove'))) writeFileSync0(join(d, 'remove'), '');
  }
  const groups = join(root, 'sys', 'kernel', 'iommu_groups');
  for (const g of existsSync(groups) ? readdirSync0(groups) : []) if (!existsSync(join(groups, g, 'type'))) writeFileSync0(join(groups, g, 'type'), 'DMA\n');
}
