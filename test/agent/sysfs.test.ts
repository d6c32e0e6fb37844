// The sysfs back end against real directory trees shaped like sysfs: dry run writes nothing,
// --apply writes exactly the plan, a device swapped between decision and bind is not bound,
// hostile trees (escaping symlinks, symlinked attributes, FIFOs, loops) get 0 writes outside
// ROOT and clear refusals.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, unlinkSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePolicy } from '../../src/agent/rules/load.js';
import { actOn, runOnce } from '../../src/agent/engine.js';
import { writeSysfsAttr, SysfsWriteError } from '../../src/platform/sysfs-write.js';
import { readSysfs } from '../../src/platform/sysfs-reader.js';
import { sysfsDevices } from '../../src/agent/from-sysfs.js';
import { decide } from '../../src/agent/decide.js';
import { Store } from '../../src/agent/store.js';
import { fakeKernel } from './support/fake-kernel.js';
import { cfg, EXT, FPGA, hostTree, MATCHES, NIC, RP, RPX, LEG } from './support/tree.js';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

/** Every regular file's content under a directory (a snapshot to compare). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) out.set(p, '-> ' + readlinkSync(p));
      else if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}

const POLICY = parsePolicy([{ file: 'p.rules', text: 'allow class 06:04\nreject external\nallow id 15b3:* with domain identity\nallow id 10ee:9038 with driver vfio-pci\n' }]);
const driverOf = (root: string, bdf: string): string | null => {
  const l = join(root, 'sys', 'bus', 'pci', 'devices', bdf, 'driver');
  try {
    return readlinkSync(l).split('/').pop()!;
  } catch {
    return null;
  }
};

describe('dry run and apply', () => {
  it('without apply nothing under ROOT changes, and the plan lists each write', () => {
    const t = hostTree();
    cleanups.push(t.cleanup);
    const before = snapshot(t.root);
    const k = fakeKernel(MATCHES);
    const r = runOnce({ root: t.root, policy: POLICY, store: null, apply: false, actor: 'test', writer: k });
    assert.deepEqual(snapshot(t.root), before);
    assert.equal(k.writes.length, 0);
    assert.equal(r.autoprobe, 'would-disable');
    const plan = Object.fromEntries(r.results.map((x) => [x.device.bdf, x.plan.writes.map((w) => `${w.path}=${w.value}`)]));
    assert.deepEqual(plan[RP], [`sys/bus/pci/drivers_probe=${RP}`]);
    assert.deepEqual(plan[EXT], [`sys/bus/pci/devices/${EXT}/remove=1`]);
    assert.deepEqual(plan[NIC], ['sys/kernel/iommu_groups/2/type=identity', `sys/bus/pci/drivers_probe=${NIC}`]);
    assert.deepEqual(plan[FPGA], [`sys/bus/pci/devices/${FPGA}/driver_override=vfio-pci`, `sys/bus/pci/drivers/vfio-pci/bind=${FPGA}`]);
    assert.ok(r.results.find((x) => x.device.bdf === NIC)!.plan.notes.some((n) => n.includes('intel_iommu_probe_device')), 'says Intel enables ATS at probe');
  });

  it('apply writes the plan (autoprobe off first), parents before children, and records each decision', () => {
    const t = hostTree();
    cleanups.push(t.cleanup);
    const db = join(t.root, 'agent.db');
    const store = Store.open(db);
    const k = fakeKernel(MATCHES);
    const r = runOnce({ root: t.root, policy: POLICY, store, apply: true, actor: 'test', writer: k });
    assert.equal(k.writes[0].path, 'sys/bus/pci/drivers_autoprobe');
    assert.equal(readFileSync(join(t.root, 'sys/bus/pci/drivers_autoprobe'), 'utf8'), '0\n');
    assert.ok(k.writes.findIndex((w) => w.value === RP) < k.writes.findIndex((w) => w.value === NIC), 'parent first');
    assert.equal(driverOf(t.root, NIC), 'mlx5_core');
    assert.equal(driverOf(t.root, FPGA), 'vfio-pci');
    assert.equal(readFileSync(join(t.root, 'sys/kernel/iommu_groups/2/type'), 'utf8'), 'identity\n');
    assert.ok(!existsSync(join(t.root, 'sys/bus/pci/devices', EXT)), 'rejected device removed');
    assert.deepEqual(r.results.map((x) => x.status), r.results.map(() => 'applied'));
    const live = store.live();
    assert.equal(live.length, 6);
    assert.ok(live.every((d) => d.state === 'applied' && d.policyDigest === POLICY.digest));
    const ext = live.find((d) => d.bdf === EXT)!;
    assert.equal(ext.ruleId, 2);
    assert.equal(ext.ruleText, 'reject external yes');
    // a second pass changes nothing and decides nothing new
    const again = runOnce({ root: t.root, policy: POLICY, store, apply: true, actor: 'test', writer: k });
    assert.ok(again.results.every((x) => x.status === 'unchanged'));
    assert.equal(again.results.length, 5, 'the rejected device is gone');
    assert.equal((store.db.prepare('SELECT count(*) AS n FROM decisions').get() as { n: number }).n, 6, 'no decision added');
    store.close();
  });
});

describe('a device swapped between decision and write is not bound (bolt_verify_uid)', () => {
  it('swapped before the first write: nothing is written for it', () => {
    const t = hostTree();
    cleanups.push(t.cleanup);
    const d = sysfsDevices(readSysfs(t.root)).find((x) => x.bdf === NIC)!;
    const { decision } = decide(POLICY, d, { presentAtStart: true, iommu: 'intel', cmdline: [], tsmPresent: false });
    assert.equal(decision.target, 'allow');
    writeFileSync(join(t.dir(NIC), 'config'), cfg.other); // another card of the same id in the slot
    const k = fakeKernel(MATCHES);
    const r = actOn({ root: t.root, policy: POLICY, store: null, apply: true, actor: 'test', writer: k }, decision, d, 'intel', false);
    assert.equal(r.status, 'refused-swapped');
    assert.match(r.detail!, /changed since the decision: hash/);
    assert.equal(k.writes.length, 0);
    assert.equal(driverOf(t.root, NIC), null);
  });

  it('swapped between driver_override and bind: the bind is not written', () => {
    const t = hostTree();
    cleanups.push(t.cleanup);
    const d = sysfsDevices(readSysfs(t.root)).find((x) => x.bdf === FPGA)!;
    const { decision } = decide(POLICY, d, { presentAtStart: true, iommu: 'intel', cmdline: [], tsmPresent: false });
    const k = fakeKernel(MATCHES);
    const swapping = {
      write(root: string, rel: string, value: string): void {
        k.write(root, rel, value);
        if (rel.endsWith('/driver_override')) writeFileSync(join(t.dir(FPGA), 'config'), cfg.nic);
      },
    };
    const r = actOn({ root: t.root, policy: POLICY, store: null, apply: true, actor: 'test', writer: swapping }, decision, d, 'intel', false);
    assert.equal(r.status, 'refused-swapped');
    assert.deepEqual(k.writes.map((w) => w.path), [`sys/bus/pci/devices/${FPGA}/driver_override`]);
    assert.equal(driverOf(t.root, FPGA), null);
  });
});

describe('the confined writer', () => {
  const mk = () => {
    const t = hostTree();
    cleanups.push(t.cleanup);
    const outside = mkdtempSync(join(tmpdir(), 'dmagate-outside-'));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    writeFileSync(join(outside, 'driver_override'), 'untouched\n');
    writeFileSync(join(outside, 'remove'), 'untouched\n');
    writeFileSync(join(outside, 'bind'), 'untouched\n');
    return { t, outside };
  };
  const refused = (f: () => void, re: RegExp): void => assert.throws(f, (e: unknown) => e instanceof SysfsWriteError && re.test(e.message));

  it('refuses unknown attributes, bad values, traversal and NUL/newline', () => {
    const { t } = mk();
    refused(() => writeSysfsAttr(t.root, 'etc/passwd', 'x'), /not an attribute the agent writes/);
    refused(() => writeSysfsAttr(t.root, `sys/bus/pci/devices/${NIC}/config`, '1'), /not an attribute/);
    refused(() => writeSysfsAttr(t.root, 'sys/bus/pci/drivers_probe', 'not-a-bdf'), /bad value/);
    refused(() => writeSysfsAttr(t.root, 'sys/bus/pci/drivers/../drivers_probe', NIC), /plain components/);
    refused(() => writeSysfsAttr(t.root, `sys/bus/pci/devices/${NIC}/driver_override`, 'a\nb'), /NUL or newline/);
    refused(() => writeSysfsAttr(t.root, `sys/bus/pci/devices/${NIC}/driver_override`, 'bad name!'), /bad value/);
    refused(() => writeSysfsAttr(t.root, 'sys/kernel/iommu_groups/2/type', 'blocked'), /bad value/);
    refused(() => writeSysfsAttr(t.root, 'sys/bus/pci/drivers/nosuch/bind', NIC), /does not resolve|no such attribute/);
  });

  it('a device link escaping ROOT, a symlinked attribute, a FIFO and a link loop: refused, nothing outside written', () => {
    const { t, outside } = mk();
    const before = snapshot(outside);
    // bus entry for a new "device" that points outside ROOT
    const bogus = '0000:09:00.0';
    symlinkSync(outside, join(t.root, 'sys/bus/pci/devices', bogus));
    refused(() => writeSysfsAttr(t.root, `sys/bus/pci/devices/${bogus}/driver_override`, 'x'), /outside the sysfs root/);
    refused(() => writeSysfsAttr(t.root, `sys/bus/pci/devices/${bogus}/remove`, '1'), /outside the sysfs root/);
    // an attribute that is itself a symlink to a file outside
    unlinkSync(join(t.dir(NIC), 'driver_override'));
    symlinkSync(join(outside, 'driver_override'), join(t.dir(NIC), 'driver_override'));
    refused(() => writeSysfsAttr(t.root, `sys/bus/pci/devices/${NIC}/driver_override`, 'none'), /is a symlink/);
    // a driver directory that is a symlink outside
    symlinkSync(outside, join(t.root, 'sys/bus/pci/drivers/evil'));
    refused(() => writeSysfsAttr(t.root, 'sys/bus/pci/drivers/evil/bind', NIC), /outside the sysfs root/);
    // a FIFO as an attribute: refused without blocking
    rmSync(join(t.dir(RP), 'remove'));
    execFileSync('mkfifo', [join(t.dir(RP), 'remove')]);
    refused(() => writeSysfsAttr(t.root, `sys/bus/pci/devices/${RP}/remove`, '1'), /FIFO|not a regular file/);
    // a directory where an attribute should be
    rmSync(join(t.dir(RPX), 'remove'));
    mkdirSync(join(t.dir(RPX), 'remove'));
    refused(() => writeSysfsAttr(t.root, `sys/bus/pci/devices/${RPX}/remove`, '1'), /open failed|not a regular file/);
    // a symlink loop as a device entry
    symlinkSync('loop-b', join(t.root, 'sys/bus/pci/devices', 'loop-a'));
    symlinkSync('loop-a', join(t.root, 'sys/bus/pci/devices', 'loop-b'));
    const loop = '0000:0a:00.0';
    symlinkSync('loop-a', join(t.root, 'sys/bus/pci/devices', loop));
    refused(() => writeSysfsAttr(t.root, `sys/bus/pci/devices/${loop}/remove`, '1'), /does not resolve/);
    assert.deepEqual(snapshot(outside), before, 'no byte written outside ROOT');
  });

  it('the agent over a hostile tree: escaping entries are skipped, the rest decided, nothing outside touched', () => {
    const { t, outside } = mk();
    const before = snapshot(outside);
    symlinkSync(outside, join(t.root, 'sys/bus/pci/devices', '0000:09:00.0'));
    writeFileSync(join(t.root, 'sys/bus/pci/devices', 'garbage'), 'x');
    unlinkSync(join(t.dir(NIC), 'driver_override'));
    symlinkSync(join(outside, 'driver_override'), join(t.dir(NIC), 'driver_override'));
    const k = fakeKernel(MATCHES);
    const r = runOnce({ root: t.root, policy: parsePolicy([{ file: 'p', text: 'block' }]), store: null, apply: true, actor: 'test', writer: k });
    assert.deepEqual(r.results.map((x) => x.device.bdf).sort(), [RP, NIC, RPX, EXT, LEG, FPGA].sort());
    const nic = r.results.find((x) => x.device.bdf === NIC)!;
    assert.equal(nic.status, 'failed');
    assert.match(nic.detail!, /symlink/);
    assert.deepEqual(snapshot(outside), before);
    assert.ok(statSync(join(outside, 'driver_override')).size === 'untouched\n'.length);
  });
});

describe('block and reject of bound devices', () => {
  it('block unbinds and holds with driver_override none; allow later clears the hold', () => {
    const t = hostTree({ bound: { [NIC]: 'mlx5_core' } });
    cleanups.push(t.cleanup);
    const k = fakeKernel(MATCHES);
    const only = new Set([NIC]);
    runOnce({ root: t.root, policy: parsePolicy([{ file: 'p', text: 'block id 15b3:*' }]), store: null, apply: true, actor: 't', writer: k, only });
    assert.deepEqual(k.writes.slice(1).map((w) => `${w.path}=${w.value}`), [`sys/bus/pci/drivers/mlx5_core/unbind=${NIC}`, `sys/bus/pci/devices/${NIC}/driver_override=none`]);
    assert.equal(driverOf(t.root, NIC), null);
    const r = runOnce({ root: t.root, policy: parsePolicy([{ file: 'p', text: 'allow id 15b3:*' }]), store: null, apply: true, actor: 't', writer: k, only });
    assert.deepEqual(r.results[0].plan.writes.map((w) => `${w.path}=${w.value}`), [`sys/bus/pci/devices/${NIC}/driver_override=`, `sys/bus/pci/drivers_probe=${NIC}`]);
    assert.equal(driverOf(t.root, NIC), 'mlx5_core');
    void LEG;
  });
});
