// The pieces between the Node side and the browser: the Platform JSON codec (config bytes and
// reserved-region addresses survive), verdicts on a decoded platform equal the original's,
// and every kernel function the model can log has a sequence-diagram lifeline.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodePlatform, encodePlatform } from '../../src/web/platform-json.js';
import { inlineJson } from '../../src/web/payload.js';
import { referencePlatform } from '../../src/platform/reference.js';
import { loadBackend } from '../../src/verify/backend.js';
import { jsonCell, runCell } from '../../src/verify/cell.js';
import { isClassified, lifelineOf } from '../../web/src/lifelines.js';
import { bundledPath } from '../../src/platform/package-root.js';

describe('platform JSON codec', () => {
  it('round-trips the reference platform: bytes as Uint8Array, addresses as bigint', () => {
    const p = referencePlatform();
    const q = decodePlatform(JSON.parse(JSON.stringify(encodePlatform(p))));
    // equal up to keys whose value is undefined (JSON has no undefined), which no reader distinguishes
    assert.deepEqual(encodePlatform(q), encodePlatform(p));
    assert.deepEqual(q.devices.map((d) => [...d.config.config.bytes]), p.devices.map((d) => [...d.config.config.bytes]));
    const withRegions = q.devices.find((d) => d.reservedRegions.length > 0);
    assert.ok(withRegions, 'the reference has a require_direct device with regions');
    assert.equal(typeof withRegions.reservedRegions[0].base, 'bigint');
    assert.ok(q.devices[0].config.config.bytes instanceof Uint8Array);
  });

  it('verdicts on the decoded platform equal those on the original (two cells)', async () => {
    const b = await loadBackend();
    const p = referencePlatform();
    const q = decodePlatform(JSON.parse(JSON.stringify(encodePlatform(p))));
    for (const spec of [
      { iommu: 'arm-smmu-v3' as const, passthrough: true, ccGuest: false, variant: 'ats-always-on' },
      { iommu: 'intel' as const, passthrough: false, ccGuest: true, variant: 'boot-dma-security,park=empty-dma-no-ats,rmr=blocking-domain' },
    ]) {
      const a = jsonCell(runCell(b.model, p, spec, b.transforms, {}));
      const c = jsonCell(runCell(b.model, q, spec, b.transforms, {}));
      assert.deepEqual(c.results, a.results);
    }
  });

  it('inlined JSON has no "<" (a </script> in the data cannot end its element)', () => {
    const s = inlineJson({ a: '</script><!-- x', b: '\u2028' });
    assert.doesNotMatch(s, /</);
    assert.deepEqual(JSON.parse(s), { a: '</script><!-- x', b: '\u2028' });
  });
});

describe('sequence diagram lifelines', () => {
  it('every kernel function the model logs is placed by a rule, not the fallback', () => {
    const names = new Set<string>();
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/\blog\(tx, (?:[^,]*\? )?'([A-Za-z_0-9]+)'(?: : '([A-Za-z_0-9]+)')?/g)) for (const n of [m[1], m[2]]) if (n) names.add(n);
      }
    };
    walk(bundledPath('src', 'kernel'));
    assert.ok(names.size > 40, `found ${names.size} function names`);
    const missing = [...names].filter((n) => !isClassified(n));
    assert.deepEqual(missing, []);
  });

  it('places functions by the kernel file they live in', () => {
    assert.equal(lifelineOf('pci_enable_ats'), 'PCI core / ATS');
    assert.equal(lifelineOf('__iommu_take_dma_ownership'), 'IOMMU core');
    assert.equal(lifelineOf('arm_smmu_install_ste_for_dev'), 'vendor driver');
    assert.equal(lifelineOf('domain_context_mapping'), 'vendor driver');
    assert.equal(lifelineOf('really_probe'), 'driver core');
    assert.equal(lifelineOf('vfio_pci_probe'), 'VFIO');
    assert.equal(lifelineOf('vfio-attach', 'ret'), 'userspace');
  });
});
