// Differential test against a live lspci 3.9.x: random register values inside the capabilities
// of interest (ATS, PASID, PRI, SR-IOV, ACS, DSN, DVSEC incl. every CXL DVSEC id and revision),
// written as one dump; lspci's text for those blocks is the oracle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildConfigSpace } from '../../src/pci/builder.js';
import { compareLspci, outsideCaps } from './support/lspci-blocks.js';
import { renderDump } from './support/render.js';

function lspciVersion(): string | null {
  const r = spawnSync('lspci', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? null : (/(\d+\.\d+)/.exec(r.stdout)?.[1] ?? null);
}

function dumpText(addr: string, b: Uint8Array): string {
  let s = `${addr} synthetic\n`;
  for (let o = 0; o < 4096; o += 16) {
    s += `${o.toString(16).padStart(o < 256 ? 2 : 3, '0')}: ${Array.from(b.subarray(o, o + 16), (x) => x.toString(16).padStart(2, '0')).join(' ')}\n`;
  }
  return s + '\n';
}

/** An endpoint with every capability of interest, then CXL DVSECs of each id after them. */
function device(rnd: Uint8Array, dvsecIds: number[], revs: number[], lens: (number | null)[]): Uint8Array {
  const b = buildConfigSpace({ msi: true, ats: true, pasid: true, pri: true, sriov: { totalVfs: 8 }, acs: { cap: 0x7f, ctrl: 0 }, dsn: { serial: 1 }, ari: true }).bytes.slice();
  // randomise the bodies (everything after each extended header) of the chain built from 0x100
  let where = 0x100;
  let last = 0x100;
  for (let i = 0; i < 16 && where; i++) {
    const h = b[where] | (b[where + 1] << 8) | (b[where + 2] << 16) | (b[where + 3] << 24);
    const next = (h >>> 20) & ~3;
    const end = next || where + 0x40;
    for (let o = where + 4; o < end; o++) b[o] = rnd[o];
    last = where;
    where = next;
  }
  // append CXL DVSECs (lengths per CXL 2.0 8.1.x) with random bodies
  const LEN: Record<number, number> = { 0: 0x38, 2: 0x2c, 3: 0x28, 4: 0x10, 5: 0x10, 7: 0x20, 8: 0x24, 9: 0x10, 10: 0x10 };
  let at = 0x400;
  const lastH = b[last] | (b[last + 1] << 8) | (b[last + 2] << 16);
  const link = (from: number, fromLow: number, to: number): void => {
    const h = (fromLow | (to << 20)) >>> 0;
    b[from] = h & 0xff; b[from + 1] = (h >>> 8) & 0xff; b[from + 2] = (h >>> 16) & 0xff; b[from + 3] = h >>> 24;
  };
  link(last, lastH & 0xfffff, at);
  dvsecIds.forEach((id, k) => {
    const len = LEN[id];
    for (let o = at + 10; o < at + len; o++) b[o] = rnd[o];
    if (id === 0) {
      // lspci 3.9 indexes name tables with Media_Type, Memory_Class and Desired_Interleave
      // without bounds checks (values 3-7 / 8-31 crash it): keep those fields defined
      for (const r of [at + 0x1c, at + 0x2c]) {
        b[r] = (b[r] & 0x03) | ((rnd[r] % 3) << 2) | ((rnd[r + 1] % 3) << 5);
        b[r + 1] = (b[r + 1] & 0xe0) | (rnd[r + 2] & 7);
      }
    }
    const next = k + 1 < dvsecIds.length ? at + 0x40 : 0;
    link(at, 0x23 | (1 << 16), next);
    // sometimes a length that does not fit the id (too short, or running past 4096)
    const h1 = (0x1e98 | (revs[k] << 16) | ((lens[k] ?? len) << 20)) >>> 0;
    b[at + 4] = h1 & 0xff; b[at + 5] = (h1 >>> 8) & 0xff; b[at + 6] = (h1 >>> 16) & 0xff; b[at + 7] = h1 >>> 24;
    b[at + 8] = id; b[at + 9] = 0;
    at += 0x40;
  });
  return b;
}

test('random register values: blocks of interest equal live lspci 3.9', (t) => {
  const v = lspciVersion();
  if (!v) return t.skip('lspci not installed');
  if (v !== '3.9') return t.skip(`lspci ${v} is not 3.9.x (wording differs)`);
  const arb = fc.tuple(
    fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
    fc.shuffledSubarray([0, 2, 3, 4, 5, 7, 8, 9, 10], { minLength: 1 }),
    fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 9, maxLength: 9 }),
    fc.array(fc.option(fc.integer({ min: 0, max: 0xfff }), { freq: 4 }), { minLength: 9, maxLength: 9 }),
  );
  const samples = fc.sample(arb, { numRuns: 120, seed: 20261124 });
  let text = '';
  samples.forEach(([rnd, ids, revs, lens], i) => {
    text += dumpText(`${(i >> 5).toString(16).padStart(2, '0')}:${(i & 31).toString(16).padStart(2, '0')}.0`, device(rnd, ids, revs, lens));
  });
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-diff-'));
  try {
    const file = join(dir, 'random.txt');
    writeFileSync(file, text);
    if (process.env.DMAGATE_KEEP_DIFF) writeFileSync(process.env.DMAGATE_KEEP_DIFF, text);
    const r = spawnSync('lspci', ['-F', file, '-vvvn'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, `lspci exited ${r.status ?? r.signal}: ${r.stderr}`);
    const c = compareLspci(r.stdout, renderDump(text, 'random.txt'));
    t.diagnostic(`${c.matched}/${c.compared} blocks identical; by kind ${JSON.stringify(c.byKind)}`);
    assert.ok(c.compared > 500);
    assert.deepEqual(c.mismatches.slice(0, 5), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('walk markers (<chain looped>, <chain broken>, <access denied>) equal live lspci 3.9', (t) => {
  const v = lspciVersion();
  if (!v) return t.skip('lspci not installed');
  if (v !== '3.9') return t.skip(`lspci ${v} is not 3.9.x`);
  const base = (): Uint8Array => buildConfigSpace({ msi: true, msix: true, ats: true, pasid: true, acs: true }).bytes.slice();
  const w32 = (b: Uint8Array, o: number, v: number): void => {
    b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = v >>> 24;
  };
  const cases: Uint8Array[] = [];
  let b = base();
  b[0x41] = 0x40; // PCIe cap points to itself
  cases.push(b);
  b = base();
  b[0x41 + 0x3c] = 0x40; // MSI (second cap) points back to the first
  cases.push(b);
  b = base();
  b[0x40 + 0x3c] = 0xff; // second capability id 0xff
  cases.push(b);
  b = base();
  w32(b, 0x108, (0x0f | (1 << 16) | (0x100 << 20)) >>> 0); // second ext cap loops to 0x100
  cases.push(b);
  b = base();
  w32(b, 0x100, (0x0f | (1 << 16) | (0x100 << 20)) >>> 0); // ext self-loop
  cases.push(b);
  let text = '';
  cases.forEach((c, i) => (text += dumpText(`00:${i.toString(16).padStart(2, '0')}.0`, c)));
  // a 64-byte (-x) dump whose capability pointer leads past the dumped bytes
  const x = base();
  text += `00:1f.0 short\n${[0, 16, 32, 48].map((o) => `${o.toString(16).padStart(2, '0')}: ${Array.from(x.subarray(o, o + 16), (y) => y.toString(16).padStart(2, '0')).join(' ')}`).join('\n')}\n\n`;
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-diff-'));
  try {
    const file = join(dir, 'walks.txt');
    writeFileSync(file, text);
    const r = spawnSync('lspci', ['-F', file, '-vvvn'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    assert.equal(r.status, 0, `lspci exited ${r.status ?? r.signal}: ${r.stderr}`);
    const titles = (s: string): string[] => s.split('\n').filter((l) => l.startsWith('\tCapabilities:') || /^[0-9a-f]/.test(l)).map((l) => (/\] (Express|MSI|Vendor|Power)/.test(l) ? l.replace(/\] .*/, ']') : l));
    const ours = renderDump(text, 'walks.txt');
    assert.deepEqual(titles(ours), titles(r.stdout));
    for (const m of ['<chain looped>', '<chain broken>', '<access denied>']) assert.ok(ours.includes(m), m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('random headers (types 0/1/2, BARs, bridge windows, ROM, CardBus): same lines as live lspci 3.9', (t) => {
  const v = lspciVersion();
  if (!v) return t.skip('lspci not installed');
  if (v !== '3.9') return t.skip(`lspci ${v} is not 3.9.x`);
  const arb = fc.tuple(fc.uint8Array({ minLength: 256, maxLength: 256 }), fc.constantFrom(0, 1, 2, 0x80, 0x81, 3), fc.boolean());
  const samples = fc.sample(arb, { numRuns: 150, seed: 4242 });
  let text = '';
  samples.forEach(([b, ht, bridgeClass], i) => {
    const c = b.slice();
    c[0x0e] = ht;
    c[0x06] &= ~0x10; // no capability list: random capability chains are covered elsewhere
    if (bridgeClass) c[0x0b] = 0x06;
    const rows: string[] = [];
    for (let o = 0; o < 256; o += 16) rows.push(`${o.toString(16).padStart(2, '0')}: ${Array.from(c.subarray(o, o + 16), (x) => x.toString(16).padStart(2, '0')).join(' ')}`);
    text += `${(i >> 5).toString(16).padStart(2, '0')}:${(i & 31).toString(16).padStart(2, '0')}.0 random\n${rows.join('\n')}\n\n`;
  });
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-diff-'));
  try {
    const file = join(dir, 'headers.txt');
    writeFileSync(file, text);
    for (const level of [1, 2, 3]) {
      // latin1: lspci prints bytes (an interrupt pin past D comes out as 'A' + pin - 1)
      const r = spawnSync('lspci', ['-F', file, `-${'v'.repeat(level)}n`], { encoding: 'latin1', env: { ...process.env, LC_ALL: 'C' } });
      assert.equal(r.status, 0, `lspci exited ${r.status ?? r.signal}: ${r.stderr}`);
      const want = outsideCaps(r.stdout);
      const got = outsideCaps(renderDump(text, 'headers.txt', level));
      const k = want.findIndex((l, j) => l !== got[j]);
      assert.equal(k, -1, `-${'v'.repeat(level)} line ${k}: ${JSON.stringify(want[k])} != ${JSON.stringify(got[k])}`);
      assert.equal(got.length, want.length);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A function whose standard chain is PM, MSI, MSI-X, PCI Express and AF, with AER (and a
 * second ext cap) in extended space; every register body is random, the type fields are drawn
 * so that every Device/Port Type, both PCIe capability versions, 32/64-bit and maskable MSI,
 * header types 0/1 and non-zero device/function numbers (LnkCtl2 is skipped for those) occur. */
function stdDevice(rnd: Uint8Array, pcieType: number, pcieVers: number, msiFlags: number, ht: number): Uint8Array {
  const b = rnd.slice();
  b[0] = 0x34; b[1] = 0x12; b[2] = 0x01; b[3] = 0x00;
  b[0x06] |= 0x10; // capability list
  b[0x0e] = ht;
  if (ht === 1) b[0x0b] = 0x06;
  b[0x34] = 0x40;
  const cap = (at: number, id: number, next: number): void => {
    b[at] = id;
    b[at + 1] = next;
  };
  cap(0x40, 0x01, 0x50); // PM: 8 bytes
  cap(0x50, 0x05, 0x70); // MSI: up to 0x18 bytes
  b[0x52] = (b[0x52] & 0x7e) | (msiFlags & 0x81);
  b[0x53] = (b[0x53] & 0xfe) | ((msiFlags >> 8) & 1);
  cap(0x70, 0x11, 0x80); // MSI-X: 12 bytes
  cap(0x80, 0x10, 0xc0); // PCI Express: 0x3c bytes
  b[0x82] = (pcieType << 4) | pcieVers;
  cap(0xc0, 0x13, 0x00); // PCI Advanced Features: 6 bytes
  b[0xc2] = 6; // AF length
  // extended: AER at 0x100 (0x38 bytes), then ATS at 0x140 to end the chain
  const w32 = (o: number, v: number): void => {
    b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = v >>> 24;
  };
  w32(0x100, (0x0001 | (2 << 16) | (0x140 << 20)) >>> 0);
  w32(0x140, 0x000f | (1 << 16));
  b.fill(0, 0x148, 0x150);
  b.fill(0, 0x150);
  return b;
}

test('random register values: PM, MSI, MSI-X, PCI Express, AER and AF blocks equal live lspci 3.9', (t) => {
  const v = lspciVersion();
  if (!v) return t.skip('lspci not installed');
  if (v !== '3.9') return t.skip(`lspci ${v} is not 3.9.x (wording differs)`);
  const arb = fc.tuple(
    fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
    fc.integer({ min: 0, max: 15 }),
    fc.constantFrom(1, 2, 2, 2, 3),
    fc.constantFrom(0, 0x80, 0x100, 0x180, 0x01, 0x181),
    fc.constantFrom(0, 0, 1, 0x80),
    fc.integer({ min: 0, max: 255 }),
  );
  const samples = fc.sample(arb, { numRuns: 254, seed: 20261204 });
  let text = '';
  samples.forEach(([rnd, type, vers, msi, ht, devfn], i) => {
    // bus from the index, device/function random (function 0 of device 0 is where LnkCtl2 shows)
    const addr = `${(i + 1).toString(16).padStart(2, '0')}:${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7}`;
    text += dumpText(addr, stdDevice(rnd, type, vers, msi, ht));
  });
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-diff-'));
  try {
    const file = join(dir, 'random-std.txt');
    writeFileSync(file, text);
    if (process.env.DMAGATE_KEEP_DIFF) writeFileSync(process.env.DMAGATE_KEEP_DIFF, text);
    for (const level of [2, 3]) {
      const r = spawnSync('lspci', ['-F', file, `-${'v'.repeat(level)}n`], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, `lspci exited ${r.status ?? r.signal}: ${r.stderr}`);
      const c = compareLspci(r.stdout, renderDump(text, 'random-std.txt', level));
      t.diagnostic(`-${'v'.repeat(level)}: ${c.matched}/${c.compared} blocks identical; by kind ${JSON.stringify(c.byKind)}`);
      for (const k of ['PM', 'MSI', 'MSI-X', 'Express', 'AER', 'AF']) assert.ok((c.byKind[k]?.compared ?? 0) >= 250, `${k}: only ${c.byKind[k]?.compared ?? 0} blocks`);
      assert.deepEqual(c.mismatches.slice(0, 5), []);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** HyperTransport, PCI-X, AGP and VPD in the standard list; VC, L1 PM Substates, LTR, Secondary
 * PCIe, DPC, PTM, Resizable BAR, TPH, DOE, Root Complex Link and VF Resizable BAR in the extended
 * one; every body random (the HyperTransport command word too: primary, secondary and the
 * other interface types). */
function moreDevice(rnd: Uint8Array, ht: number, odd: number, pcieType: number): Uint8Array {
  const b = rnd.slice();
  b[0] = 0x34; b[1] = 0x12; b[2] = 0x01; b[3] = 0x00;
  b[0x06] |= 0x10;
  b[0x0e] = ht;
  if (ht === 1) b[0x0b] = 0x06;
  b[0x34] = 0x40;
  // a PCI Express capability (its type decides Multicast's lines), then an id lspci names only
  b[0xa2] = (pcieType << 4) | 1;
  for (const [at, id, next] of [[0x40, 0x08, 0x60], [0x60, 0x07, 0x70], [0x70, 0x02, 0x80], [0x80, 0x03, 0x90], [0x90, odd, 0xa0], [0xa0, 0x10, 0x00]]) {
    b[at] = id;
    b[at + 1] = next;
  }
  const w32 = (o: number, v: number): void => {
    b[o] = v & 0xff; b[o + 1] = (v >>> 8) & 0xff; b[o + 2] = (v >>> 16) & 0xff; b[o + 3] = v >>> 24;
  };
  const chain: [number, number][] = [[0x100, 0x02], [0x170, 0x1e], [0x180, 0x18], [0x188, 0x19], [0x198, 0x1d], [0x1a8, 0x1f], [0x1b4, 0x15], [0x1e8, 0x17], [0x1f0, 0x2e], [0x200, 0x05], [0x300, 0x24], [0x340, 0x07], [0x350, 0x12], [0x390, 0x09]];
  chain.forEach(([at, id], i) => w32(at, (id | (1 << 16) | ((chain[i + 1]?.[0] ?? 0) << 20)) >>> 0));
  return b;
}

test('random register values: HT, PCI-X, AGP, VPD, unnamed ids, VC, L1 PM, LTR, Secondary PCIe, DPC, PTM, ReBAR, TPH, DOE, RC Link, RCEC, Multicast blocks equal live lspci 3.9', (t) => {
  const v = lspciVersion();
  if (!v) return t.skip('lspci not installed');
  if (v !== '3.9') return t.skip(`lspci ${v} is not 3.9.x (wording differs)`);
  const samples = fc.sample(
    fc.tuple(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), fc.constantFrom(0, 0, 1, 0x80), fc.constantFrom(0x00, 0x06, 0x0b, 0x0c, 0x0e, 0x0f, 0x15, 0x16, 0x2a), fc.integer({ min: 0, max: 10 })),
    { numRuns: 200, seed: 20261205 },
  );
  let text = '';
  samples.forEach(([rnd, ht, odd, type], i) => (text += dumpText(`${(i + 1).toString(16).padStart(2, '0')}:00.0`, moreDevice(rnd, ht, odd, type))));
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-diff-'));
  try {
    const file = join(dir, 'random-more.txt');
    writeFileSync(file, text);
    if (process.env.DMAGATE_KEEP_DIFF) writeFileSync(process.env.DMAGATE_KEEP_DIFF, text);
    const r = spawnSync('lspci', ['-F', file, '-vvvn'], { encoding: 'latin1', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, `lspci exited ${r.status ?? r.signal}: ${r.stderr}`);
    const ours = renderDump(text, 'random-more.txt');
    // every capability block, whatever its kind: the whole -vvvn text outside and inside
    const a = r.stdout.split('\n');
    const b = ours.split('\n');
    const k = a.findIndex((l, j) => l !== b[j]);
    const blocks = a.filter((l) => l.startsWith('\tCapabilities: [')).length;
    t.diagnostic(`${a.length} lines with ${blocks} capability blocks compared whole`);
    assert.equal(k, -1, `line ${k + 1}: ${JSON.stringify(a[k])} != ${JSON.stringify(b[k])}`);
    assert.equal(b.length, a.length);
    assert.ok(blocks > 2000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
