// The model's static indices (pci/index.ts, pci/trust.ts; iommu/groups.ts and platform-index.ts through kernel/static-memo.ts)
// are memoised by the devices array plus, for the grouping, acsEnabledAtEnumeration(p), not by
// the Platform object — so the matrix's many Platforms of one device set share them, and the
// part memo's recording copies (verify/part-memo.ts) record the one scalar read each time.
// That is sound only while the builders read nothing else of a Platform: this test logs every
// property they read (a Proxy on the Platform and on its nested objects) and fails when a
// builder starts reading another field — extend the memo keys first, then this list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Platform } from '../../src/kernel/platform.js';
import { referencePlatform } from '../../src/platform/reference.js';
import { pciIndex } from '../../src/kernel/pci/index.js';
import { pciTrust } from '../../src/kernel/pci/trust.js';
import { computeGroupArrays } from '../../src/kernel/iommu/groups.js';
import { buildPlatIndex, platIndex } from '../../src/kernel/platform-index.js';
import { restrict } from '../../src/verify/reduce.js';

/** `p` with a fresh devices array (so no memo entry exists), and the set of fields read. */
function logged(p: Platform): { p: Platform; reads: Set<string> } {
  const reads = new Set<string>();
  const wrap = <T extends object>(o: T, prefix: string): T =>
    new Proxy(o, {
      get(target, key, recv) {
        const v = Reflect.get(target, key, recv) as unknown;
        if (typeof key === 'symbol') return v;
        reads.add(prefix + key);
        // nested scalars (features, cmdline) are logged by their path; devices are data
        return key !== 'devices' && typeof v === 'object' && v !== null ? wrap(v, `${prefix}${key}.`) : v;
      },
    });
  return { p: wrap({ ...p, devices: [...p.devices] }, ''), reads };
}

const base = referencePlatform();

test('the PCI index and trust read only the devices of a Platform', () => {
  for (const build of [pciIndex, pciTrust]) {
    const { p, reads } = logged(base);
    build(p);
    assert.deepEqual([...reads], ['devices']);
  }
});

test('pci_device_group reads the devices and features.lateAcsRequest only', () => {
  const { p, reads } = logged(base);
  computeGroupArrays(p);
  assert.deepEqual([...reads].sort(), ['devices', 'features', 'features.lateAcsRequest']);
});

test('the platform index reads the devices and features.lateAcsRequest only', () => {
  const { p, reads } = logged(base);
  buildPlatIndex(p);
  assert.deepEqual([...reads].sort(), ['devices', 'features', 'features.lateAcsRequest']);
});

test('platforms sharing a devices array share the index only when lateAcsRequest agrees', () => {
  const a = restrict(base, ['rp-nic', 'nic-pf', 'nic-vf0']);
  const b = restrict({ ...base, iommu: 'amd' }, ['rp-nic', 'nic-pf', 'nic-vf0']);
  assert.equal(a.devices, b.devices, 'restrict gives one devices array per device set');
  assert.equal(platIndex(a), platIndex(b));
  const late = { ...a, features: { ...a.features, lateAcsRequest: !a.features.lateAcsRequest } };
  assert.notEqual(platIndex(late), platIndex(a));
  // and the late-ACS index is the one computed from scratch for that platform
  assert.deepEqual(
    platIndex(late).groups.map((g) => g.members),
    buildPlatIndex({ ...late, devices: [...late.devices] }).groups.map((g) => g.members),
  );
});
