// (c) `lspci --sysfs ROOT` reads through the project's confined sysfs reader (readSysfs): a real
// sysfs `config` binary decodes like its lspci dump; short (non-root) reads are reported; hostile
// trees (links leaving ROOT, FIFOs, devices, loops) are refused and reported, never read or hung on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runLspci } from '../../src/cli/lspci.js';
import { decodeFunction } from '../../src/pci/decode.js';
import { parseDump } from '../../src/pci/dump.js';
import { readSysfs } from '../../src/platform/sysfs-reader.js';
import { makeFakeSysfs, type FakeFn } from '../support/fake-sysfs.js';
import { DUMPS_DIR, REPO_ROOT, SKIP_MSG, dumpNames } from './support/shared.js';

const text = (r: { out: (string | Uint8Array)[] }): string => r.out.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('latin1'))).join('');
const strip = <T extends { config: unknown }>(f: T): Omit<T, 'config'> => {
  const { config: _c, ...rest } = f;
  return rest;
};

/** A plain endpoint config (8086:1234, class 0200, no capabilities). */
function plainConfig(dev: number): Uint8Array {
  const b = new Uint8Array(256);
  b.set([0x86, 0x80, dev & 0xff, dev >> 8, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x02]);
  return b;
}

test('pcics-8086-2030-sysfs.config read through readSysfs decodes like pcics-8086-2030-sysfs.txt', (t) => {
  if (!dumpNames()) return t.skip(SKIP_MSG);
  const bin = new Uint8Array(readFileSync(join(DUMPS_DIR, 'pcics-8086-2030-sysfs.config')));
  const dump = parseDump(readFileSync(join(DUMPS_DIR, 'pcics-8086-2030-sysfs.txt'), 'utf8')).functions[0];
  const b = dump.bdf;
  const name = `${b.domain.toString(16).padStart(4, '0')}:${b.bus.toString(16).padStart(2, '0')}:${b.dev.toString(16).padStart(2, '0')}.${b.fn}`;
  const tree = makeFakeSysfs({ fns: [{ name, config: bin }] });
  try {
    const h = readSysfs(tree.root, { uid: 0 });
    const f = h.functions[0].fn!;
    assert.equal(f.config.length, dump.config.length);
    assert.deepEqual(strip(f), strip(decodeFunction(dump.bdf, dump.config)));
    // Per the collection's README this is an Intel 8086:2030 Sky Lake-E root port with ACS.
    assert.equal(f.header?.deviceId, 0x2030);
    assert.equal(f.pcie?.type, 'root-port');
    assert.ok(f.acs, 'ACS decoded');
  } finally {
    tree.cleanup();
  }
});

test('--sysfs: a 64-byte (non-root) read is reported, capabilities "<access denied>", never guessed', () => {
  const b = new Uint8Array(64);
  b.set([0x86, 0x80, 0x01, 0x19, 0, 0, 0x10, 0, 0, 0, 4, 6, 0, 0, 1, 0]);
  b[0x34] = 0x88;
  const tree = makeFakeSysfs({ fns: [{ name: '0000:00:01.0', config: b }] });
  try {
    const r = runLspci({ sysfs: tree.root, verbose: 2 });
    assert.equal(r.code, 0, r.err); // not root is normal: a note, not a problem
    assert.match(text(r), /^00:01\.0 0604: 8086:1901 \(prog-if 00 \[Normal decode\]\)\n/);
    assert.match(text(r), /\tCapabilities: <access denied>\n/);
    assert.match(r.err, /only 64 bytes of config space readable/);
    assert.match(r.err, /00:01\.0 offset 0x88 header: capability at 0x88 is beyond the 64 readable bytes/);
  } finally {
    tree.cleanup();
  }
});

test('--sysfs ROOT is the directory holding sys/: the sysfs mount itself and an empty root are input errors (exit 2)', () => {
  const tree = makeFakeSysfs({ fns: [{ name: '0000:00:01.0', config: plainConfig(1) }] });
  const empty = mkdtempSync(join(tmpdir(), 'dmagate-empty-'));
  try {
    const r = runLspci({ sysfs: join(tree.root, 'sys'), verbose: 0 });
    assert.equal(r.code, 2);
    assert.match(r.err, /looks like the sysfs mount itself .*ROOT is the directory that holds sys\/; try --sysfs /);
    const e = runLspci({ sysfs: empty, verbose: 0 });
    assert.equal(e.code, 2);
    assert.match(e.err, /holds no PCI bus: .*sys\/bus\/pci does not exist/);
    assert.equal(runLspci({ sysfs: join(empty, 'nope'), verbose: 0 }).code, 2);
  } finally {
    tree.cleanup();
    rmSync(empty, { recursive: true, force: true });
  }
});

/** A tree with one good function and `bad` whose config is replaced by `plant(path)`. */
function hostile(plant: (configPath: string, root: string) => void): { root: string; cleanup: () => void } {
  const fns: FakeFn[] = [
    { name: '0000:00:01.0', config: plainConfig(0x1111) },
    { name: '0000:00:02.0', config: plainConfig(0x2222) },
  ];
  const tree = makeFakeSysfs({ fns });
  const p = join(tree.dir('0000:00:02.0'), 'config');
  unlinkSync(p);
  plant(p, tree.root);
  return tree;
}

test('hostile sysfs: a config symlink to /etc/shadow (or to any file outside ROOT) is refused and reported, not read', () => {
  const outside = mkdtempSync(join(tmpdir(), 'dmagate-outside-'));
  try {
    for (const target of ['/etc/shadow', join(outside, 'config')]) {
      // the outside file is a valid config: were it read, 00:02.0 would be printed
      writeFileSync(join(outside, 'config'), plainConfig(0x2222));
      const tree = hostile((p) => symlinkSync(target, p));
      try {
        const r = runLspci({ sysfs: tree.root, verbose: 0 });
        assert.equal(r.code, 1, 'a refusal is a problem in the input');
        assert.equal(text(r), '00:01.0 0200: 8086:1111 (rev 01)\n');
        assert.match(r.err, /sys\/.*0000:00:02\.0\/config resolves to .*outside the sysfs root .*: refused/);
      } finally {
        tree.cleanup();
      }
    }
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('hostile sysfs: a FIFO as config does not hang, and is refused', { timeout: 20_000 }, (t) => {
  const tree = hostile((p) => {
    const r = spawnSync('mkfifo', [p]);
    if (r.status !== 0) writeFileSync(p, '');
  });
  try {
    if (!spawnSync('test', ['-p', join(tree.root, 'sys/bus/pci/devices/0000:00:02.0/config')]).status) {
      const r = runLspci({ sysfs: tree.root, verbose: 0 });
      assert.equal(r.code, 1);
      assert.equal(text(r), '00:01.0 0200: 8086:1111 (rev 01)\n');
      assert.match(r.err, /0000:00:02\.0\/config is not a regular file/);
    } else t.skip('mkfifo not available');
  } finally {
    tree.cleanup();
  }
});

test('hostile sysfs: a character device as config (/dev/zero linked, or mknod) is refused, nothing read', { timeout: 20_000 }, () => {
  // linked: leaves ROOT
  let tree = hostile((p) => symlinkSync('/dev/zero', p));
  try {
    const r = runLspci({ sysfs: tree.root, verbose: 0 });
    assert.equal(r.code, 1);
    assert.equal(text(r), '00:01.0 0200: 8086:1111 (rev 01)\n');
    assert.match(r.err, /0000:00:02\.0\/config resolves to \/dev\/zero, outside the sysfs root/);
  } finally {
    tree.cleanup();
  }
  // a device node inside ROOT (needs root to create; /dev/zero's major:minor 1:5)
  let made = false;
  tree = hostile((p) => {
    made = spawnSync('mknod', [p, 'c', '1', '5']).status === 0;
    if (!made) symlinkSync('../../../../../dev-null-does-not-exist', p);
  });
  try {
    const r = runLspci({ sysfs: tree.root, verbose: 0 });
    assert.equal(r.code, 1);
    assert.equal(text(r), '00:01.0 0200: 8086:1111 (rev 01)\n');
    if (made) assert.match(r.err, /0000:00:02\.0\/config is not a regular file/);
  } finally {
    tree.cleanup();
  }
});

test('hostile sysfs: a symlink loop as config is reported (ELOOP), the rest printed', () => {
  const tree = hostile((p) => {
    symlinkSync('config.b', p);
    symlinkSync('config', p + '.b');
  });
  try {
    const r = runLspci({ sysfs: tree.root, verbose: 0 });
    assert.equal(r.code, 1);
    assert.equal(text(r), '00:01.0 0200: 8086:1111 (rev 01)\n');
    assert.match(r.err, /cannot resolve .*0000:00:02\.0\/config: ELOOP/);
  } finally {
    tree.cleanup();
  }
});

test('driver names (symlink basenames) are escaped in text, kept in --json; -k shows the IOMMU group', () => {
  const tree = makeFakeSysfs({ fns: [{ name: '0000:00:01.0', config: plainConfig(1), driver: 'evil\u001b[2Jdrv', group: 7 }], groups: [{ id: 7, type: 'DMA' }] });
  try {
    const r = runLspci({ sysfs: tree.root, verbose: 0, kernel: true });
    assert.equal(r.code, 0, r.err);
    assert.equal(text(r), '00:01.0 0200: 8086:0001 (rev 01)\n\tKernel driver in use: evil\\e[2Jdrv\n\tIOMMU group: 7\n');
    const j = JSON.parse(text(runLspci({ sysfs: tree.root, verbose: 0, json: true })));
    assert.equal(j.functions[0].driver, 'evil\u001b[2Jdrv');
    assert.equal(j.functions[0].iommuGroup, 7);
    assert.equal(j.functions[0].bdf, '0000:00:01.0');
    assert.equal(j.functions[0].vendor, '8086');
    assert.equal(j.functions[0].device, '0001');
    assert.equal(j.functions[0].class, '020000');
  } finally {
    tree.cleanup();
  }
});

/** lspci's own sysfs back end pointed at a tree: `lspci -A linux-sysfs -O sysfs.path=ROOT/sys/bus/pci`. */
function liveSysfs(root: string, args: string[]): string | null {
  const v = spawnSync('lspci', ['--version'], { encoding: 'utf8' });
  if (v.error || !/ 3\.9/.test(v.stdout)) return null;
  const r = spawnSync('lspci', ['-A', 'linux-sysfs', '-O', `sysfs.path=${join(root, 'sys', 'bus', 'pci')}`, '-O', 'hwdb.disable=1', ...args], { encoding: 'latin1', env: { ...process.env, LC_ALL: 'C' } });
  return r.status === 0 ? r.stdout : null;
}

test('--sysfs equals lspci 3.9 on the same tree (its linux-sysfs back end): regions with sizes, IRQ, NUMA node, IOMMU group, driver', (t) => {
  const dump = parseDump(readFileSync(join(REPO_ROOT, 'data', 'pci-dumps', 'qemu72-cxl-direct.txt'), 'utf8')).functions;
  const name = (i: number): string => {
    const b = dump[i].bdf;
    return `0000:${b.bus.toString(16).padStart(2, '0')}:${b.dev.toString(16).padStart(2, '0')}.${b.fn}`;
  };
  const tree = makeFakeSysfs({
    fns: dump.map((f, i) => ({ name: name(i), config: f.config.bytes.slice(0, f.config.length), driver: i % 3 === 0 ? undefined : ['e1000e', 'pcieport'][i % 2], group: i % 4 === 3 ? undefined : i })),
    groups: dump.map((_, i) => ({ id: i, type: 'DMA' })),
  });
  try {
    dump.forEach((f, i) => {
      const d = tree.dir(name(i));
      writeFileSync(join(d, 'irq'), `${16 + i}\n`);
      writeFileSync(join(d, 'numa_node'), i % 2 ? '-1\n' : '0\n');
      // the kernel's resources: each assigned BAR with a size, flags' low bits = the BAR's
      const lines: string[] = [];
      const z = '0x0000000000000000 0x0000000000000000 0x0000000000000000';
      const cs = f.config.bytes;
      const ht = cs[0x0e] & 0x7f;
      const cnt = ht === 0 ? 6 : ht === 1 ? 2 : 0;
      for (let k = 0; k < 13; k++) {
        const bar = k < cnt ? (cs[0x10 + 4 * k] | (cs[0x11 + 4 * k] << 8) | (cs[0x12 + 4 * k] << 16) | (cs[0x13 + 4 * k] << 24)) >>> 0 : 0;
        if (!bar) {
          lines.push(z);
          continue;
        }
        const io = bar & 1;
        const start = BigInt((io ? bar & ~3 : bar & ~0xf) >>> 0) || 0x1000n * BigInt(k + 1);
        const size = io ? 0x20n : 0x4000n << BigInt(k);
        // IORESOURCE_IO 0x100 / MEM 0x200, PREFETCH 0x2000, MEM_64 0x100000, SIZEALIGN 0x40000, + the BAR's low bits
        const flags = BigInt(io ? 0x40101 : 0x40200 | (bar & 8 ? 0x2000 : 0) | ((bar & 6) === 4 ? 0x100000 : 0)) | BigInt(bar & (io ? 3 : 0xf));
        lines.push(`0x${start.toString(16).padStart(16, '0')} 0x${(start + size - 1n).toString(16).padStart(16, '0')} 0x${flags.toString(16).padStart(16, '0')}`);
      }
      writeFileSync(join(d, 'resource'), lines.join('\n') + '\n');
    });
    let compared = 0;
    for (const args of [['-v'], ['-vv'], ['-vvv'], [], ['-n'], ['-vvn'], ['-x'], ['-mm'], ['-vmm'], ['-t'], ['-k']]) {
      const want = liveSysfs(tree.root, args);
      if (want === null) return t.skip('lspci 3.9 with the linux-sysfs back end not available');
      const flags = args.join('').replace(/-/g, '');
      const got = text(
        runLspci({
          sysfs: tree.root,
          verbose: (flags.match(/v/g) ?? []).length,
          numeric: (flags.match(/n/g) ?? []).length,
          hex: (flags.match(/x/g) ?? []).length,
          machine: (flags.match(/m/g) ?? []).length,
          tree: flags.includes('t'),
          kernel: flags.includes('k'),
        }),
      );
      // dmagate's one addition: with -k and no -v, an "IOMMU group: N" line (documented)
      const ours = flags === 'k' ? got.replace(/\tIOMMU group: \d+\n/g, '') : got;
      assert.equal(ours, want, `lspci ${args.join(' ')}`);
      compared++;
    }
    t.diagnostic(`${compared} output modes identical to lspci's sysfs back end`);
    assert.ok(/\[size=16K\]/.test(text(runLspci({ sysfs: tree.root, verbose: 1 }))));
  } finally {
    tree.cleanup();
  }
});

test('VPD from sysfs `vpd` (Product Name, read-only and read/write fields, checksum) equals lspci 3.9 on the same tree', (t) => {
  const withVpd = (dev: number): Uint8Array => {
    const b = plainConfig(dev);
    b[0x06] = 0x10; // capability list
    b[0x34] = 0x40;
    b[0x40] = 0x03; // VPD, last in the list
    return b;
  };
  const tree = makeFakeSysfs({ fns: [{ name: '0000:00:01.0', config: withVpd(1) }, { name: '0000:00:02.0', config: withVpd(2) }, { name: '0000:00:03.0', config: withVpd(3) }] });
  try {
    const res = (tag: number, body: number[]): number[] => [tag, body.length & 0xff, body.length >> 8, ...body];
    const field = (k: string, v: number[]): number[] => [k.charCodeAt(0), k.charCodeAt(1), v.length, ...v];
    const str = (s: string): number[] => Array.from(Buffer.from(s, 'latin1'));
    const name = res(0x82, str('Example NIC \\ with a back\u0001slash'));
    const ro = [...field('PN', str('PN-1234')), ...field('EC', str('A1')), ...field('SN', str('SN0042')), ...field('V0', str('vendor')), ...field('ZZ', [1, 2, 3])];
    const roHead = [0x90, 0, 0];
    const rv = [0x52, 0x56, 3, 0, 0, 0]; // RV: checksum byte then reserved
    const roRes = [...roHead, ...ro, ...rv];
    roRes[1] = roRes.length - 3;
    let sum = 0;
    for (const x of [...name, ...roRes.slice(0, roRes.length - 3)]) sum = (sum + x) & 0xff;
    roRes[roRes.length - 3] = (0x100 - sum) & 0xff; // makes the running checksum 0: "good"
    const rw = res(0x91, field('RW', [0, 0, 0, 0, 0]));
    writeFileSync(join(tree.dir('0000:00:01.0'), 'vpd'), Buffer.from([...name, ...roRes, ...rw, 0x78]));
    writeFileSync(join(tree.dir('0000:00:02.0'), 'vpd'), Buffer.from([...name.slice(0, 10)])); // cut short
    for (const n of ['0000:00:01.0', '0000:00:02.0', '0000:00:03.0']) {
      // lspci's sysfs back end needs these attributes of every function
      writeFileSync(join(tree.dir(n), 'irq'), '0\n');
      writeFileSync(join(tree.dir(n), 'resource'), '0x0000000000000000 0x0000000000000000 0x0000000000000000\n'.repeat(13));
    }
    const want = liveSysfs(tree.root, ['-vv']);
    if (want === null) return t.skip('lspci 3.9 with the linux-sysfs back end not available');
    const got = text(runLspci({ sysfs: tree.root, verbose: 2, numeric: 0 }));
    assert.equal(got, want);
    assert.match(got, /\t\tProduct Name: Example NIC \\\\ with a back\\x01slash\n/);
    assert.match(got, /checksum good/);
    assert.match(got, /\t\tNot readable\n/); // 00:03.0 has no vpd file
  } finally {
    tree.cleanup();
  }
});
