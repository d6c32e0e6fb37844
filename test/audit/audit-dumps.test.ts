// Fake sysfs trees whose config files are real dumps (../shared/data/pci-dumps, read with
// parseDump). Expected ATS/PASID/PRI/CXL states are lspci's decode of the same dumps
// (NAME.lspci-vvvn.txt), quoted beside each assertion. Skips when ../shared is absent.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { parseDump } from '../../src/pci/dump.js';
import { auditHost } from '../../src/platform/sysfs-audit.js';
import { readSysfs } from '../../src/platform/sysfs-reader.js';
import { makeFakeSysfs, withAtsEnable, type FakeTree } from '../support/fake-sysfs.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DUMPS = join(repoRoot, '..', 'shared', 'data', 'pci-dumps');
const skip = existsSync(DUMPS) ? false : `shared dumps not found at ${DUMPS} (../shared from the repo root)`;

const trees: FakeTree[] = [];
after(() => trees.forEach((t) => t.cleanup()));

function dumpConfig(file: string, bdf: string): Uint8Array {
  const { functions } = parseDump(readFileSync(join(DUMPS, file), 'utf8'), file);
  const f = functions.find((x) => `${x.bdf.bus.toString(16).padStart(2, '0')}:${x.bdf.dev.toString(16).padStart(2, '0')}.${x.bdf.fn}` === bdf);
  assert.ok(f, `${bdf} in ${file}`);
  return f.config.bytes.slice(0, f.config.length);
}

describe('real dumps in fake sysfs trees', { skip }, () => {
  it('Skylake iGPU (ATS Enable+, PASID Enable+, PRI Enable-) in an identity group -> ats-enabled-identity', () => {
    // pciutils-cap-pasid-pri.lspci-vvvn.txt: "PASIDCtl: Enable+", "ATSCtl: Enable+", "PRICtl: Enable-"
    const t = makeFakeSysfs({
      iommuUnits: ['dmar0'],
      groups: [{ id: 0, type: 'identity' }],
      fns: [{ name: '0000:00:02.0', config: dumpConfig('pciutils-cap-pasid-pri.txt', '00:02.0'), driver: 'i915', group: 0 }],
    });
    trees.push(t);
    const rep = auditHost(readSysfs(t.root, { uid: 0 }));
    const f = rep.functions[0];
    assert.equal(f.id, '8086:191e');
    assert.equal(f.kind, 'rc-integrated-endpoint');
    assert.deepEqual(f.ats, { present: true, enabled: true });
    assert.deepEqual(f.pasid, { present: true, enabled: true });
    assert.deepEqual(f.pri, { present: true, enabled: false });
    assert.deepEqual(rep.findings.map((x) => x.id), ['ats-enabled-identity']);
  });

  it('Myri-10G (ATS Enable-) patched to ATS enabled, removable -> untrusted-ats-enabled', () => {
    // pciutils-cap-address-xlation.lspci-vvvn.txt: "[1c4 v1] Address Translation Service (ATS)", "ATSCtl: Enable-"
    const raw = dumpConfig('pciutils-cap-address-xlation.txt', '02:00.0');
    const t = makeFakeSysfs({
      iommuUnits: ['dmar0'],
      groups: [{ id: 7, type: 'DMA' }, { id: 8, type: 'DMA' }],
      fns: [
        { name: '0000:02:00.0', config: raw, group: 7, removable: 'fixed' },
        { name: '0000:02:00.1', config: withAtsEnable(raw, true), group: 8, removable: 'removable' },
      ],
    });
    trees.push(t);
    const rep = auditHost(readSysfs(t.root, { uid: 0 }));
    const [plain, patched] = rep.functions;
    assert.deepEqual(plain.ats, { present: true, enabled: false });
    assert.deepEqual(patched.ats, { present: true, enabled: true });
    assert.deepEqual(rep.findings.filter((x) => x.device === '0000:02:00.0'), []);
    assert.deepEqual(rep.findings.filter((x) => x.device === '0000:02:00.1').map((x) => x.id), ['untrusted-ats-enabled']);
  });

  it('QEMU CXL type-3 memory device below a CXL root port: Mem+ Cache-, no ATS -> not always-on (P2)', () => {
    // qemu72-cxl-direct.lspci-vvvn.txt 0d:00.0: "CXLCap: Cache- IO+ Mem+"; no ATS capability listed
    const t = makeFakeSysfs({
      iommuUnits: [],
      groups: [],
      fns: [
        { name: '0000:0c:00.0', config: dumpConfig('qemu72-cxl-direct.txt', '0c:00.0'), driver: 'pcieport' },
        { name: '0000:0d:00.0', parent: '0000:0c:00.0', config: dumpConfig('qemu72-cxl-direct.txt', '0d:00.0'), driver: 'cxl_pci' },
      ],
    });
    trees.push(t);
    const rep = auditHost(readSysfs(t.root, { uid: 0 }));
    const mem = rep.functions.find((f) => f.name === '0000:0d:00.0');
    assert.ok(mem);
    assert.equal(mem.parent, '0000:0c:00.0');
    assert.equal(mem.kind, 'endpoint');
    assert.deepEqual(mem.cxl, { cache: false, mem: true, io: true });
    assert.deepEqual(mem.ats, { present: false, enabled: false });
    assert.equal(mem.alwaysOn?.value, false);
    assert.equal(mem.alwaysOn?.rule, 'P2');
    assert.equal(rep.functions.find((f) => f.name === '0000:0c:00.0')?.kind, 'root-port');
    // Not CXL.cache capable: no cxl-cache-no-ats; the host has no IOMMU.
    assert.deepEqual(rep.findings.map((x) => x.id), ['no-iommu']);
  });
});
