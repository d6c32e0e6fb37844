// R3.1–R3.6 drivers/iommu/iommu.c: pci_device_group; the reference platform of
// VERIFICATION.md; the grouping part of golden scenario 31; a fast-check property over
// random small topologies. Expectations from the rule text and the kernel source.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pciDeviceGroups } from '../../src/kernel/iommu/groups.js';
import { pciTopology } from '../../src/kernel/pci/trust.js';
import { referencePlatform } from '../../src/platform/reference.js';
import type { DeviceDesc } from '../../src/kernel/platform.js';
import { ACS_ISOLATED, pciFn } from '../support/pcifn.js';
import { dev, platform, referenceLike, rp } from './pci/fixture.js';

const same = (p: ReturnType<typeof platform>, a: string, b: string): boolean => {
  const g = pciDeviceGroups(p).groupOf;
  return g[a] !== undefined && g[a] === g[b];
};

describe('the reference platform (VERIFICATION.md)', () => {
  const p = referenceLike();
  it('rp-legacy (no ACS) and fpga share a group', () => assert.ok(same(p, 'rp-legacy', 'fpga')));
  it('every other root port has its own group, separate from its endpoint', () => {
    for (const [port, ep] of [['rp-cxl', 'cxl-accel'], ['rp-nic', 'nic-pf'], ['rp-ext', 'ext-cxl'], ['rp-gpu', 'gpu']]) {
      assert.equal(pciDeviceGroups(p).members[pciDeviceGroups(p).groupOf[port]].length, 1, port);
      assert.ok(!same(p, port, ep), `${port} / ${ep}`);
    }
  });
  it('the VF nic-vf0 has its own group', () => {
    const g = pciDeviceGroups(p);
    assert.deepEqual(g.members[g.groupOf['nic-vf0']], ['nic-vf0']);
  });
  it('group ids are allocated in enumeration order', () => {
    const g = pciDeviceGroups(p);
    assert.equal(g.groupOf['rp-cxl'], 'g0');
    assert.equal(g.groupOf['cxl-accel'], 'g1');
    assert.equal(Object.keys(g.members).length, 10);
  });
});

describe('the shipped scenarios/reference-platform.yaml', () => {
  const p = referencePlatform();
  it('groups as VERIFICATION.md says: {rp-legacy, fpga}; every other port alone; nic-vf0 alone', () => {
    const g = pciDeviceGroups(p);
    assert.deepEqual(g.members[g.groupOf['fpga']], ['rp-legacy', 'fpga']);
    for (const port of ['rp-cxl', 'rp-nic', 'rp-ext', 'rp-gpu']) assert.deepEqual(g.members[g.groupOf[port]], [port]);
    assert.deepEqual(g.members[g.groupOf['nic-vf0']], ['nic-vf0']);
  });
  it('ext-cxl is tunneled, therefore untrusted (R2.3); nothing else is', () => {
    const t = pciTopology(p);
    assert.deepEqual(Object.keys(t.untrusted).filter((n) => t.untrusted[n]), ['ext-cxl']);
  });
});

describe('pci_device_group rules', () => {
  it('R3.3 no ACS at a root port: its endpoints join the port\'s group', () => {
    const p = platform([dev('rp', '00:01.0', { type: 'root-port', acs: false }), dev('ep', '01:00.0', { parent: 'rp' })]);
    assert.ok(same(p, 'rp', 'ep'));
    assert.equal(pciDeviceGroups(p).reason['ep'].rule, 'R3.3');
  });
  it('R3.3 ACS on the whole path: the endpoint stops the walk and is alone (R3.6)', () => {
    const p = platform([rp('rp', '00:01.0'), dev('ep', '01:00.0', { parent: 'rp' })]);
    assert.ok(!same(p, 'rp', 'ep'));
    assert.equal(pciDeviceGroups(p).reason['ep'].rule, 'R3.6');
  });
  it('R3.3 a switch downstream port without ACS shares a group with its endpoint; the port above with ACS isolates the switch', () => {
    const p = platform([
      rp('rp', '00:01.0'),
      dev('usp', '01:00.0', { parent: 'rp', type: 'upstream-port' }),
      dev('dsp1', '02:00.0', { parent: 'usp', type: 'downstream-port', acs: false }),
      dev('dsp2', '02:01.0', { parent: 'usp', type: 'downstream-port', acs: ACS_ISOLATED }),
      dev('ep1', '03:00.0', { parent: 'dsp1' }),
      dev('ep2', '04:00.0', { parent: 'dsp2' }),
    ]);
    assert.ok(same(p, 'dsp1', 'ep1'));
    assert.ok(!same(p, 'dsp2', 'ep2'));
    assert.ok(!same(p, 'rp', 'usp'));
  });
  it('R3.3 the ACS test covers the whole path: a non-ACS root port above an ACS switch port pulls everything into its group', () => {
    const p = platform([
      dev('rp', '00:01.0', { type: 'root-port', acs: false }),
      dev('usp', '01:00.0', { parent: 'rp', type: 'upstream-port' }),
      dev('dsp', '02:00.0', { parent: 'usp', type: 'downstream-port', acs: ACS_ISOLATED }),
      dev('ep', '03:00.0', { parent: 'dsp' }),
    ]);
    const g = pciDeviceGroups(p);
    assert.deepEqual(g.members[g.groupOf['rp']], ['rp', 'usp', 'dsp', 'ep']);
  });
  it('R3.2 devices behind a PCIe-to-PCI bridge use the bridge\'s requester ID: one group with the bridge', () => {
    const conv = (bdf: string) => ({ ...pciFn({ bdf }), pcie: undefined });
    const p = platform([
      rp('rp', '00:01.0'),
      dev('br', '01:00.0', { parent: 'rp', type: 'pcie-to-pci-bridge', bridge: true }),
      dev('pci0', '02:00.0', { parent: 'br', config: conv('02:00.0') }),
      dev('pci1', '02:01.0', { parent: 'br', config: conv('02:01.0') }),
    ]);
    const g = pciDeviceGroups(p);
    assert.deepEqual(g.members[g.groupOf['br']], ['br', 'pci0', 'pci1']);
    assert.equal(g.reason['pci0'].rule, 'R3.2');
    assert.ok(!same(p, 'rp', 'br'));
  });
  it('R3.4 a quirked DMA alias on the same bus shares the group (either direction)', () => {
    const p = platform([
      dev('a', '00:14.0', { type: 'rc-integrated-endpoint' }),
      dev('b', '00:15.0', { type: 'rc-integrated-endpoint', dmaAliasOf: 'a' }),
      dev('c', '00:16.0', { type: 'rc-integrated-endpoint', dmaAliasOf: 'd' }),
      dev('d', '00:17.0', { type: 'rc-integrated-endpoint' }),
      dev('e', '00:18.0', { type: 'rc-integrated-endpoint' }),
    ]);
    assert.ok(same(p, 'a', 'b'));
    assert.ok(same(p, 'c', 'd'));
    assert.ok(!same(p, 'a', 'e'));
    assert.equal(pciDeviceGroups(p).reason['b'].rule, 'R3.4');
  });
  it('R3.5 multifunction without ACS: non-isolated functions of the slot share; an isolated function does not', () => {
    const p = platform([
      rp('rp', '00:01.0'),
      dev('f0', '01:00.0', { parent: 'rp', multifunction: true }),
      dev('f1', '01:00.1', { parent: 'rp', multifunction: true, acs: ACS_ISOLATED }),
      dev('f2', '01:00.2', { parent: 'rp', multifunction: true }),
    ]);
    assert.ok(same(p, 'f0', 'f2'));
    assert.ok(!same(p, 'f0', 'f1'));
    assert.equal(pciDeviceGroups(p).reason['f2'].rule, 'R3.5');
  });
  it('R3.5 root-bus functions: multifunction root ports without ACS share, and their endpoints join them', () => {
    const p = platform([
      dev('rp-a', '00:1c.0', { type: 'root-port', multifunction: true, acs: false }),
      dev('rp-b', '00:1c.4', { type: 'root-port', multifunction: true, acs: false }),
      dev('ep-a', '01:00.0', { parent: 'rp-a' }),
      dev('ep-b', '02:00.0', { parent: 'rp-b' }),
      dev('rciep', '00:02.0', { type: 'rc-integrated-endpoint' }),
    ]);
    const g = pciDeviceGroups(p);
    assert.deepEqual(g.members[g.groupOf['rp-a']], ['rp-a', 'rp-b', 'ep-a', 'ep-b']);
    assert.deepEqual(g.members[g.groupOf['rciep']], ['rciep']);
  });
  it('a VF is never multifunction: it does not join its PF\'s slot group', () => {
    const p = platform([
      rp('rp', '00:01.0'),
      dev('pf', '01:00.0', { parent: 'rp', multifunction: true, sriov: { totalVfs: 2 } }),
      dev('vf', '01:00.1', { parent: 'rp', physfn: 'pf' }),
    ]);
    assert.ok(!same(p, 'pf', 'vf'));
  });
  it('memoised per Platform', () => {
    const p = referenceLike();
    assert.equal(pciDeviceGroups(p), pciDeviceGroups(p));
  });
});

describe('golden scenarios (reference §10)', () => {
  it('31 (grouping). functions 0 and 1 of a non-ACS multifunction device are in the same group', () => {
    const p = platform([
      rp('rp', '00:01.0'),
      dev('fn0', '01:00.0', { parent: 'rp', multifunction: true }),
      dev('fn1', '01:00.1', { parent: 'rp', multifunction: true }),
    ]);
    assert.ok(same(p, 'fn0', 'fn1'));
    assert.ok(!same(p, 'rp', 'fn0'));
  });
});

// --- property: random small topologies ------------------------------------------------------

interface EpSpec { fns: number; acs: boolean; alias: boolean }
interface PortSpec { acs: boolean; mf: boolean; below: { kind: 'ep'; ep: EpSpec } | { kind: 'switch'; dsps: { acs: boolean; ep: EpSpec }[] } }
interface TopoSpec { ports: PortSpec[]; rcieps: number }

const epArb: fc.Arbitrary<EpSpec> = fc.record({ fns: fc.integer({ min: 1, max: 3 }), acs: fc.boolean(), alias: fc.boolean() });
const topoArb: fc.Arbitrary<TopoSpec> = fc.record({
  ports: fc.array(
    fc.record({
      acs: fc.boolean(),
      mf: fc.boolean(),
      below: fc.oneof(
        fc.record({ kind: fc.constant('ep' as const), ep: epArb }),
        fc.record({ kind: fc.constant('switch' as const), dsps: fc.array(fc.record({ acs: fc.boolean(), ep: epArb }), { minLength: 1, maxLength: 2 }) }),
      ),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  rcieps: fc.integer({ min: 0, max: 2 }),
});

const h2 = (n: number): string => n.toString(16).padStart(2, '0');

/** Builds the platform and, per endpoint function, whether every port above it has ACS. */
function build(t: TopoSpec): { devices: DeviceDesc[]; fullAcs: Map<string, string> } {
  const devices: DeviceDesc[] = [];
  const fullAcs = new Map<string, string>(); // endpoint -> its root port, when the whole path has ACS
  let bus = 1;
  const eps = (ep: EpSpec, parent: string, b: number, pathAcs: boolean, root: string): void => {
    for (let f = 0; f < ep.fns; f++) {
      const name = `ep${h2(b)}.${f}`;
      devices.push(dev(name, `${h2(b)}:00.${f}`, { parent, multifunction: ep.fns > 1, acs: ep.acs ? ACS_ISOLATED : false, dmaAliasOf: ep.alias && f > 0 ? `ep${h2(b)}.0` : undefined }));
      if (pathAcs) fullAcs.set(name, root);
    }
  };
  t.ports.forEach((port, i) => {
    const rpName = `rp${i}`;
    // multifunction root ports share slot 0x1c, as on many chipsets
    const bdf = port.mf ? `00:1c.${i}` : `00:${h2(i + 1)}.0`;
    devices.push(dev(rpName, bdf, { type: 'root-port', multifunction: port.mf, acs: port.acs ? ACS_ISOLATED : false }));
    if (port.below.kind === 'ep') {
      eps(port.below.ep, rpName, bus++, port.acs, rpName);
    } else {
      const usp = `usp${i}`;
      const uspBus = bus++;
      devices.push(dev(usp, `${h2(uspBus)}:00.0`, { parent: rpName, type: 'upstream-port' }));
      const dspBus = bus++;
      port.below.dsps.forEach((d, j) => {
        const dsp = `dsp${i}.${j}`;
        devices.push(dev(dsp, `${h2(dspBus)}:${h2(j)}.0`, { parent: usp, type: 'downstream-port', acs: d.acs ? ACS_ISOLATED : false }));
        eps(d.ep, dsp, bus++, port.acs && d.acs, rpName);
      });
    }
  });
  for (let k = 0; k < t.rcieps; k++) devices.push(dev(`rciep${k}`, `00:${h2(0x10 + k)}.0`, { type: 'rc-integrated-endpoint' }));
  return { devices, fullAcs };
}

describe('property: pci_device_group over random small topologies', () => {
  it('is a partition, deterministic, and never groups a full-ACS-path device with its root port', () => {
    fc.assert(
      fc.property(topoArb, (t) => {
        const { devices, fullAcs } = build(t);
        const g = pciDeviceGroups(platform(devices));
        // partition: every device in exactly one group, members agree with groupOf
        const seen = new Set<string>();
        for (const [id, ms] of Object.entries(g.members)) {
          assert.ok(ms.length > 0);
          for (const m of ms) {
            assert.ok(!seen.has(m), `${m} twice`);
            seen.add(m);
            assert.equal(g.groupOf[m], id);
          }
        }
        assert.deepEqual([...seen].sort(), devices.map((d) => d.name).sort());
        // deterministic: a structurally equal, fresh platform gives the same answer
        assert.deepEqual(pciDeviceGroups(platform(build(t).devices)), g);
        // isolation
        for (const [ep, root] of fullAcs) assert.notEqual(g.groupOf[ep], g.groupOf[root], `${ep} with ${root}`);
      }),
      { numRuns: 100 },
    );
  });
});

describe('device names are plain keys', () => {
  it('"constructor" and "__proto__" are grouped and trusted like any name', () => {
    const p = platform([dev('constructor', '00:01.0', { type: 'root-port', acs: false }), dev('__proto__', '01:00.0', { parent: 'constructor' })]);
    const g = pciDeviceGroups(p);
    assert.equal(g.groupOf['constructor'], 'g0');
    assert.equal(g.groupOf['__proto__'], 'g0');
    assert.deepEqual(g.members['g0'], ['constructor', '__proto__']);
    assert.equal(pciTopology(p).untrusted['__proto__'], false);
    assert.equal(pciTopology(p).untrusted['toString'], undefined);
  });
});
