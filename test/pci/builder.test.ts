// (e) Synthetic devices: build -> decode round-trips, and the printer accepts them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildConfigSpace, type SyntheticDeviceSpec } from '../../src/pci/builder.js';
import { decodeFunction } from '../../src/pci/decode.js';
import { printFunction } from '../../src/pci/print/lspci.js';
import { ACS, type PcieDevicePortType } from '../../src/pci/types.js';

const BDF = { domain: 0, bus: 3, dev: 0, fn: 0 };
const PORT_TYPES: PcieDevicePortType[] = ['endpoint', 'legacy-endpoint', 'root-port', 'upstream-port', 'downstream-port', 'rc-integrated-endpoint', 'rc-event-collector'];

const specArb: fc.Arbitrary<SyntheticDeviceSpec> = fc.record(
  {
    vendor: fc.integer({ min: 0, max: 0xfffe }),
    device: fc.integer({ min: 0, max: 0xffff }),
    type: fc.constantFrom(...PORT_TYPES),
    multifunction: fc.boolean(),
    eetlp: fc.boolean(),
    ariForwarding: fc.boolean(),
    msi: fc.boolean(),
    msix: fc.oneof(fc.boolean(), fc.integer({ min: 1, max: 2048 })),
    ats: fc.oneof(fc.boolean(), fc.record({ pageAligned: fc.boolean(), qdep: fc.integer({ min: 0, max: 31 }), enabled: fc.boolean() })),
    pasid: fc.record({ width: fc.integer({ min: 0, max: 20 }), exec: fc.boolean(), priv: fc.boolean() }),
    pri: fc.record({ maxRequests: fc.nat(), pasidRequired: fc.boolean() }),
    sriov: fc.record({ totalVfs: fc.integer({ min: 1, max: 256 }), numVfs: fc.integer({ min: 0, max: 256 }), firstVfOffset: fc.integer({ min: 1, max: 0xffff }), vfStride: fc.integer({ min: 1, max: 0xff }), vfDeviceId: fc.integer({ min: 0, max: 0xffff }) }),
    acs: fc.oneof(fc.constant(true as const), fc.record({ cap: fc.integer({ min: 0, max: 0xffff }), ctrl: fc.integer({ min: 0, max: 0x7f }) })),
    dsn: fc.record({ serial: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
    ari: fc.oneof(fc.constant(true as const), fc.record({ nextFunction: fc.integer({ min: 0, max: 255 }) })),
    cxl: fc.record({ cache: fc.boolean(), mem: fc.boolean(), io: fc.boolean() }),
  },
  { requiredKeys: [] },
);

test('build -> decode round-trips every field of the spec', () => {
  fc.assert(
    fc.property(specArb, (spec) => {
      const f = decodeFunction(BDF, buildConfigSpace(spec));
      assert.deepEqual(f.issues, []);
      assert.equal(f.header?.vendorId, spec.vendor ?? 0x1234);
      assert.equal(f.header?.deviceId, spec.device ?? 1);
      assert.equal(f.header?.multifunction, !!spec.multifunction);
      const bridge = ['root-port', 'upstream-port', 'downstream-port'].includes(spec.type ?? '');
      assert.equal(f.header?.headerType, bridge ? 1 : 0);
      assert.equal(f.pcie?.type, spec.type ?? 'endpoint');
      assert.equal(f.pcie?.endEndTlpPrefix, !!spec.eetlp);
      assert.equal(f.pcie?.ariForwarding, !!spec.ariForwarding);
      assert.equal(f.msi !== undefined, !!spec.msi);
      assert.equal(f.msix !== undefined, !!spec.msix);
      if (typeof spec.msix === 'number') assert.equal(f.msix?.tableSize, spec.msix);
      assert.equal(f.ats !== undefined, !!spec.ats);
      if (typeof spec.ats === 'object') {
        assert.equal(f.ats?.pageAligned, spec.ats.pageAligned);
        assert.equal(f.ats?.invalidateQueueDepth, spec.ats.qdep);
        assert.equal(f.ats?.enabled, spec.ats.enabled);
      }
      if (typeof spec.pasid === 'object') {
        assert.deepEqual([f.pasid?.maxWidth, f.pasid?.exec, f.pasid?.priv], [spec.pasid.width, spec.pasid.exec, spec.pasid.priv]);
      } else assert.equal(f.pasid, undefined);
      if (typeof spec.pri === 'object') {
        assert.deepEqual([f.pri?.maxRequests, f.pri?.pasidRequired], [spec.pri.maxRequests, spec.pri.pasidRequired]);
      }
      if (spec.sriov) {
        const s = spec.sriov;
        assert.deepEqual(
          [f.sriov?.totalVfs, f.sriov?.numVfs, f.sriov?.firstVfOffset, f.sriov?.vfStride, f.sriov?.vfDeviceId],
          [s.totalVfs, s.numVfs, s.firstVfOffset, s.vfStride, s.vfDeviceId],
        );
      } else assert.equal(f.sriov, undefined);
      if (spec.acs === true) {
        const all = ACS.SV | ACS.RR | ACS.CR | ACS.UF;
        assert.deepEqual([f.acs?.cap, f.acs?.ctrl], [all, all]);
      } else if (spec.acs) assert.deepEqual([f.acs?.cap, f.acs?.ctrl], [spec.acs.cap, spec.acs.ctrl]);
      if (spec.dsn) assert.equal(f.dsn?.serial, spec.dsn.serial);
      if (typeof spec.ari === 'object') assert.equal(f.ari?.nextFunction, spec.ari.nextFunction);
      else assert.equal(f.ari !== undefined, !!spec.ari);
      if (spec.cxl) {
        const c = f.dvsecs[0]?.cxlDevice;
        assert.deepEqual([c?.cacheCapable, c?.memCapable, c?.ioCapable], [!!spec.cxl.cache, !!spec.cxl.mem, spec.cxl.io !== false]);
      } else assert.equal(f.dvsecs.length, 0);
      // the printer accepts every synthetic device
      assert.ok(printFunction(f, { verbose: 3, showDomain: false }).startsWith('03:00.0 '));
    }),
    { numRuns: 200 },
  );
});

test('the spec examples from the brief build as described', () => {
  const f = decodeFunction(BDF, buildConfigSpace({ type: 'root-port', acs: true, ari: true }));
  assert.equal(f.header?.headerType, 1);
  assert.equal(f.pcie?.slotImplemented, true);
  assert.equal(f.acs?.cap, ACS.SV | ACS.RR | ACS.CR | ACS.UF);
  const g = decodeFunction(BDF, buildConfigSpace({ cxl: { mem: true }, dsn: { serial: '00-1b-21-ff-ff-2b-46-e0' } }));
  assert.equal(g.header?.classCode, 0x05);
  assert.equal(g.dsn?.serial, 0x001b21ffff2b46e0n);
  assert.equal(g.dvsecs[0].cxlDevice?.ranges[0].size, 256n << 20n);
  assert.equal(decodeFunction(BDF, buildConfigSpace({ legacyPci: true, msi: true })).pcie, undefined);
});
