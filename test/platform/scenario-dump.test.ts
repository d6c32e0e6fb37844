// `config: { dump: ... }`: config space read from an lspci dump relative to the scenario file.
// Oracle: lspci's decode of the same dump (qemu72-cxl-direct.lspci-vvv.txt in the shared set):
// 0d:00.0 "Intel Corporation Device 0d93", CXLCap "Cache- IO+ Mem+"; 0c:00.0 a Root Port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadScenario, loadScenarioFile } from '../../src/platform/scenario.js';
import { formatError, formatPath } from '../../src/platform/errors.js';

const EXAMPLE = fileURLToPath(new URL('../../scenarios/examples/qemu72-cxl-direct.yaml', import.meta.url));

test('the example loads both functions from the dump', () => {
  const r = loadScenarioFile(EXAMPLE);
  assert.ok(r.scenario, r.errors?.map(formatError).join('\n'));
  const [rp, mem] = r.scenario.platform.devices;
  assert.equal(rp.config.pcie?.type, 'root-port');
  assert.equal(mem.config.header?.vendorId, 0x8086);
  assert.equal(mem.config.header?.deviceId, 0x0d93);
  const cxl = mem.config.dvsecs.find((d) => d.vendor === 0x1e98 && d.id === 0)?.cxlDevice;
  assert.equal(cxl?.cacheCapable, false);
  assert.equal(cxl?.memCapable, true);
  assert.equal(cxl?.ioCapable, true);
});

test('bdf: selects a function; the device keeps its scenario address', () => {
  const dump = readFileSync(new URL('../../scenarios/examples/qemu72-cxl-direct.txt', import.meta.url), 'utf8');
  const text = 'platform:\n  name: t\n  iommu: amd\n  devices:\n    - name: m\n      bdf: "01:00.0"\n      config: { dump: d.txt, bdf: "0d:00.0" }\n';
  const r = loadScenario(text, '/x/s.yaml', { readText: (p) => (p === '/x/d.txt' ? dump : '') });
  assert.ok(r.scenario, r.errors?.map(formatError).join('\n'));
  const m = r.scenario.platform.devices[0];
  assert.equal(m.config.header?.deviceId, 0x0d93);
  assert.deepEqual(m.config.bdf, { domain: 0, bus: 1, dev: 0, fn: 0 });
});

test('a function the dump does not hold is a DUMP error that lists what it has', () => {
  const dump = readFileSync(new URL('../../scenarios/examples/qemu72-cxl-direct.txt', import.meta.url), 'utf8');
  const text = 'platform:\n  name: t\n  iommu: amd\n  devices:\n    - name: m\n      bdf: "0e:00.0"\n      config: { dump: d.txt }\n';
  const r = loadScenario(text, '/x/s.yaml', { readText: () => dump });
  assert.ok(r.errors);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].code, 'DUMP');
  assert.equal(formatPath(r.errors[0].path), 'platform.devices[0].config.dump');
  assert.match(r.errors[0].message, /no function 0000:0e:00\.0 .*0000:0d:00\.0/);
  assert.deepEqual(r.errors[0].linePos, { line: 7, col: 23 });
});
