// The audit against this machine's real /sys (read-only): it must not throw, whatever is there.
// Skips when /sys/bus/pci is absent. Asserts only what holds on any Linux host.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runAudit } from '../../src/cli/audit.js';
import { auditHost, NO_IOMMU_TEXT } from '../../src/platform/sysfs-audit.js';
import { readSysfs, isSysfsBdf } from '../../src/platform/sysfs-reader.js';

const skip = existsSync('/sys/bus/pci') ? false : 'no /sys/bus/pci on this machine';

describe('audit of the real /sys', { skip }, () => {
  it('reads and audits without throwing', () => {
    const host = readSysfs('/');
    const rep = auditHost(host);
    assert.equal(rep.pciBus, existsSync('/sys/bus/pci/devices'));
    for (const f of rep.functions) assert.ok(isSysfsBdf(f.name), f.name);
    // An IOMMU is either present or reported with the plain statement.
    if (!rep.iommu.present) {
      assert.equal(rep.iommu.summary, NO_IOMMU_TEXT);
      assert.ok(rep.findings.some((x) => x.id === 'no-iommu'));
    }
  });

  it('the command prints text and valid JSON', () => {
    const text = runAudit({ failOn: 'never' }); // the live host may well have findings (exit 1)
    assert.equal(text.code, 0);
    assert.match(text.text, /^IOMMU: /m);
    const json = runAudit({ json: true, failOn: 'never' });
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.text) as { functions: unknown[]; findings: unknown[] };
    assert.ok(Array.isArray(parsed.functions));
    assert.ok(Array.isArray(parsed.findings));
  });
});
