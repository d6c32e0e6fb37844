// `dmagate qemu` as a command: --print needs no QEMU; a scenario QEMU cannot build is an input
// error (exit 2) naming the device; an unreadable file too.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { qemuCommand } from '../../src/cli/qemu.js';

const SC = join(import.meta.dirname, '..', '..', 'data', 'kernel', 'scenarios');
const GOLDEN = join(import.meta.dirname, '..', '..', 'scenarios', 'golden');

describe('dmagate qemu (no QEMU needed)', () => {
  it('--print shows the command line and the guest /init, exit 0', async () => {
    let err = '';
    const r = await qemuCommand(join(SC, 'vtd-sm-cm.yaml'), { print: true }, (s) => (err += s));
    assert.equal(r.code, 0, err);
    assert.match(r.stdout, /^qemu-system-x86_64 -machine q35 -device intel-iommu,/m);
    assert.match(r.stdout, /^#!\/bin\/busybox sh$/m);
    const j = await qemuCommand(join(SC, 'smmuv3.yaml'), { print: true, json: true }, () => {});
    const plan = (JSON.parse(j.stdout) as { plan: { qemuBinary: string } }).plan;
    assert.equal(plan.qemuBinary, 'qemu-system-aarch64');
  });
  it('a scenario QEMU cannot build: exit 2, each problem with the file name', async () => {
    let err = '';
    const r = await qemuCommand(join(GOLDEN, '16-smmu-always-on-identity.yaml'), { print: true }, (s) => (err += s));
    assert.equal(r.code, 2);
    assert.match(err, /16-smmu-always-on-identity\.yaml: cannot run under QEMU: /);
    assert.match(err, /thread design/);
  });
  it('an unreadable file: exit 2', async () => {
    let err = '';
    const r = await qemuCommand(join(SC, 'no-such.yaml'), { print: true }, (s) => (err += s));
    assert.equal(r.code, 2);
    assert.match(err, /cannot read/);
  });
});
