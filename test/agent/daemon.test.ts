// The daemon (present devices, then hot-plug by polling; SIGTERM stops it between devices),
// the udevadm line parser, and `generate` (its policy allows exactly what is present).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { parsePolicy } from '../../src/agent/rules/load.js';
import { runDaemon, parseUdevLine, killSwitchOn } from '../../src/agent/daemon.js';
import { generatePolicy } from '../../src/agent/generate.js';
import { evaluate } from '../../src/agent/rules/evaluate.js';
import { EMPTY_CONTEXT } from '../../src/agent/rules/conditions.js';
import { sysfsDevices } from '../../src/agent/from-sysfs.js';
import { readSysfs } from '../../src/platform/sysfs-reader.js';
import type { DeviceResult } from '../../src/agent/engine.js';
import { fakeKernel } from './support/fake-kernel.js';
import { cfg, hostTree, MATCHES, NIC, RP } from './support/tree.js';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

describe('udevadm monitor lines and the kill switch', () => {
  it('parses kernel uevent lines for PCI functions only', () => {
    assert.deepEqual(parseUdevLine('KERNEL[1234.567890] add      /devices/pci0000:00/0000:00:1c.0/0000:03:00.0 (pci)'), { action: 'add', bdf: '0000:03:00.0' });
    assert.deepEqual(parseUdevLine('KERNEL[1.0] bind /devices/pci0000:00/0000:00:02.0 (pci)'), { action: 'bind', bdf: '0000:00:02.0' });
    assert.equal(parseUdevLine('KERNEL[1.0] add /devices/pci0000:00/0000:00:1c.0/0000:03:00.0/msi_irqs (msi)'), null);
    assert.equal(parseUdevLine('monitor will print the received events for:'), null);
    assert.equal(parseUdevLine('KERNEL[1.0] add /devices/pci0000:00/pci_bus/0000:00 (pci_bus)'), null);
  });
  it('dmagate.agent=off anywhere on the command line, as a whole token', () => {
    assert.ok(killSwitchOn('BOOT_IMAGE=/vmlinuz dmagate.agent=off quiet'));
    assert.ok(!killSwitchOn('dmagate.agent=offline'));
    assert.ok(!killSwitchOn(null));
  });
});

describe('agent run (polling)', () => {
  it('decides present devices, then a hot-added one; SIGTERM ends it', async () => {
    const t = hostTree();
    cleanups.push(t.cleanup);
    const seen: DeviceResult[] = [];
    const logs: string[] = [];
    const done = runDaemon(
      { root: t.root, policy: parsePolicy([{ file: 'p', text: 'allow class 06:04\nallow id 15b3:*\n' }]), store: null, apply: true, actor: 't', writer: fakeKernel(MATCHES), poll: true, pollMs: 20, log: (l) => logs.push(l) },
      (r) => {
        seen.push(r);
        if (seen.length === 6) {
          // hot-add a second NIC function below the first root port
          const d = join(dirname(t.dir(NIC)), '0000:01:00.1');
          mkdirSync(d);
          writeFileSync(join(d, 'config'), cfg.nic);
          for (const [k, v] of [['vendor', '0x15b3'], ['device', '0x1017'], ['class', '0x020000'], ['driver_override', '(null)']]) writeFileSync(join(d, k), v + '\n');
          const link = join(t.root, 'sys/bus/pci/devices/0000:01:00.1');
          symlinkSync(relative(dirname(link), d), link);
        }
        if (r.device.bdf === '0000:01:00.1') process.emit('SIGTERM');
      },
    );
    await done;
    assert.equal(seen.length, 7);
    const hot = seen[6];
    assert.equal(hot.device.bdf, '0000:01:00.1');
    assert.equal(hot.decision.target, 'allow');
    assert.equal(hot.status, 'applied');
    assert.ok(logs.some((l) => l.includes('SIGTERM, stopping')));
    assert.equal(seen.find((r) => r.device.bdf === RP)?.status, 'applied');
  });
});

describe('agent generate', () => {
  it('allows every present function (bridges by class, the rest by id + hash) and nothing else', () => {
    const t = hostTree();
    cleanups.push(t.cleanup);
    const devs = sysfsDevices(readSysfs(t.root));
    const text = generatePolicy(devs, {}, new Date('2026-01-01T00:00:00Z'));
    const p = parsePolicy([{ file: 'gen.rules', text }]);
    for (const d of devs) assert.equal(evaluate(p, d, EMPTY_CONTEXT).outcome.target, 'allow', d.bdf);
    assert.ok(p.rules.filter((r) => r.text.startsWith('allow id')).every((r) => / hash sha256:/.test(r.text)), 'hashes on');
    // the same slot with a different card (same id, other config) is not allowed any more
    writeFileSync(join(t.dir(NIC), 'config'), cfg.other);
    const swapped = sysfsDevices(readSysfs(t.root)).find((d) => d.bdf === NIC)!;
    assert.equal(evaluate(p, swapped, EMPTY_CONTEXT).outcome.by.kind, 'implicit');
    assert.equal(evaluate(p, swapped, EMPTY_CONTEXT).outcome.target, 'block');
  });
});
