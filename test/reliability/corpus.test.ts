// The hostile-input corpus of issue 9 ("Why"), end to end: each case runs the CLI as a child
// process under a heap limit (--max-old-space-size) and a kill timeout, and asserts the exit
// code and the message. The bound kills: a case that hangs or runs out of memory fails (killed
// by the timeout, or V8's heap abort), it is not a timed assertion.
// Golden outcomes: the issue's expected behaviour and pciutils' (lib/dump.c stops at a line it
// cannot buffer: "line too long or unterminated"); no output of ours is pasted back.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildConfigSpace } from '../../src/pci/builder.js';
import { formatDump } from '../../src/platform/sysfs-export.js';
import { makeFakeSysfs } from '../support/fake-sysfs.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const ENTRY = join(HERE, 'cli-entry.ts');
const DUMP = join(REPO, 'data', 'pci-dumps', 'qemu72-cxl-direct.txt');
/** Kill bound per case: generous (a loaded 2-core machine), far below "forever". */
const KILL_MS = 20_000;
/** For the exploration cases, which are CPU-bound by design (the default state bound is about
 * 5 s of one core): a 2-core machine shared by many jobs stretches that several times. */
const EXPLORE_KILL_MS = 90_000;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
  readonly killed: boolean;
}

/** `dmagate ARGS` (sources via tsx), stdin from a file or a string, heap capped at `heapMB`. */
function dmagate(args: string[], o: { stdinFile?: string; stdin?: string; heapMB?: number; shell?: string; killMs?: number } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const node = [`--max-old-space-size=${o.heapMB ?? 192}`, '--import', 'tsx', ENTRY];
    const child =
      o.shell !== undefined
        ? spawn('bash', ['-c', o.shell, 'dmagate', process.execPath, ...node], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn(process.execPath, [...node, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    // kept up to 4 MiB / 1 MiB (a runaway output is then visible without filling memory)
    child.stdout.on('data', (d: Buffer) => {
      if ((outLen += d.length) <= 1 << 22) out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if ((errLen += d.length) <= 1 << 20) err.push(d);
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, o.killMs ?? KILL_MS);
    child.stdin.on('error', () => {}); // the CLI may exit before reading all of stdin
    if (o.stdinFile !== undefined) createReadStream(o.stdinFile).pipe(child.stdin);
    else child.stdin.end(o.stdin ?? '');
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8'), killed });
    });
  });
}

function finished(r: Run, what: string): void {
  assert.equal(r.killed, false, `${what}: still running at the kill bound (killed)`);
  assert.equal(r.signal, null, `${what}: died by ${r.signal}: ${r.err.slice(-500)}`);
  assert.doesNotMatch(r.err, /heap out of memory|Maximum call stack|bad_alloc|Invalid string length|\n\s+at /, `${what}: crashed: ${r.err.slice(-800)}`);
}

const tmp = mkdtempSync(join(tmpdir(), 'dmagate-corpus-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  const p = join(tmp, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
};

/** A scenario with one endpoint and the given extra device lines / platform lines. */
const scenario = (body: string): string => `platform:\n  name: t\n  iommu: intel\n  devices:\n${body}`;

describe('issue 9 corpus: unbounded inputs', { concurrency: 2 }, () => {
  it('lspci -F /dev/zero is refused at once: exit 2, "character device"', async () => {
    const r = await dmagate(['lspci', '-F', '/dev/zero']);
    finished(r, 'lspci -F /dev/zero');
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot read \/dev\/zero: is a character device/);
  });
  it('lspci -F /dev/stdin < /dev/zero stops at the endless line: exit 2, "line too long or unterminated"', async () => {
    const r = await dmagate([], { shell: '"$@" lspci -F /dev/stdin < /dev/zero' });
    finished(r, 'lspci -F /dev/stdin < /dev/zero');
    assert.equal(r.code, 2);
    assert.match(r.err, /line 1 is longer than 1 MiB \(line too long or unterminated\)/);
  });
  it('a scenario whose config dump is /dev/zero: exit 2, with the key path', async () => {
    const s = file('zero.yaml', scenario('    - { name: e, bdf: "00:02.0", config: { dump: /dev/zero } }\n'));
    const r = await dmagate(['verify', s]);
    finished(r, 'config: { dump: /dev/zero }');
    assert.equal(r.code, 2);
    assert.match(r.err, /platform\.devices\[0\]\.config\.dump: cannot read dump \/dev\/zero: is a character device/);
  });
  it('matrix --variants /dev/zero: exit 2', async () => {
    const r = await dmagate(['matrix', '--variants', '/dev/zero']);
    finished(r, 'matrix --variants /dev/zero');
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot read \/dev\/zero: is a character device/);
  });
  it('a scenario file that is /dev/urandom: exit 2', async () => {
    const r = await dmagate(['verify', '/dev/urandom']);
    finished(r, 'verify /dev/urandom');
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot read \/dev\/urandom: is a character device/);
  });
});

describe('issue 9 corpus: error lists and output bounded', { concurrency: 2 }, () => {
  let bad = '';
  const BAD_LINES = 1_500_000;
  before(async () => {
    bad = join(tmp, 'bad-lines.txt');
    const w = createWriteStream(bad);
    // one real row, so the input is a dump (not lspci -v text, which gets a hint instead)
    w.write('00:00.0 Host bridge\n00: 86 80 57 0d 00 00 00 00 00 00 00 06 00 00 00 00\n');
    const chunk = '00: zz\n'.repeat(10_000);
    for (let i = 0; i < BAD_LINES / 10_000; i++) if (!w.write(chunk)) await new Promise<void>((r) => w.once('drain', () => r()));
    await new Promise<void>((r) => w.end(() => r()));
  });
  it(`${BAD_LINES} bad dump lines under a 64 MB heap: exit 1, the first 100 and "… and N more"`, async () => {
    const r = await dmagate(["lspci", "-F", bad], { heapMB: 64 });
    finished(r, 'many bad lines');
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`… and ${BAD_LINES - 100} more syntax errors`));
    assert.ok(r.err.split('\n').length < 200, 'stderr is bounded');
  });
  it('--json of 100 functions with NumVFs 0xffff stays small (VF routing ids as a range)', async () => {
    const cs = buildConfigSpace({ sriov: { totalVfs: 0xffff, numVfs: 0xffff, firstVfOffset: 1, vfStride: 1 } });
    const entries = Array.from({ length: 100 }, (_, i) => ({ name: `0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`, description: 'pf', bytes: cs.bytes.slice(0, cs.length) }));
    const p = file('vfs.txt', formatDump(entries));
    const r = await dmagate(['lspci', '-F', p, '--json'], { heapMB: 128 });
    finished(r, 'NumVFs 0xffff JSON');
    assert.equal(r.code, 0);
    const doc = JSON.parse(r.out) as { functions: { vfRoutingIds: { first: number; stride: number; count: number; last: number } }[] };
    assert.equal(doc.functions.length, 100);
    assert.deepEqual(doc.functions[0].vfRoutingIds, { first: 0x101, stride: 1, count: 0xffff, last: 0x101 + 0xfffe, firstBdf: '0000:01:00.1', lastBdf: null });
    assert.ok(r.out.length < 100 * 20_000, `JSON is ${r.out.length} bytes for ${readFileSync(p).length} bytes in`);
  });
  it('a scenario with 5,000 errors lists 50 and "… and 4950 more"', async () => {
    const devs = Array.from({ length: 5000 }, (_, i) => `    - { name: d${i}, bdf: "00:02.0", config: {}, bogus: 1 }\n`).join('');
    const r = await dmagate(['verify', file('many-errors.yaml', scenario(devs))]);
    finished(r, 'many scenario errors');
    assert.equal(r.code, 2);
    assert.match(r.err, /… and \d+ more errors/);
    assert.ok(r.err.split('\n').length <= 52);
  });
});

describe('issue 9 corpus: pipes are read once', { concurrency: 2 }, () => {
  let unsorted = '';
  let twoDomains = '';
  before(() => {
    const blocks = readFileSync(DUMP, 'latin1').trim().split(/\n\n+/);
    unsorted = file('unsorted.txt', [...blocks].reverse().join('\n\n') + '\n');
    twoDomains = file('domains.txt', blocks.join('\n\n') + '\n\n' + blocks[0].replace(/^([0-9a-f]{2}:)/, '0001:$1') + '\n');
  });
  for (const [name, get] of [
    ['an unsorted dump', () => unsorted],
    ['a dump with a second domain', () => twoDomains],
  ] as const) {
    it(`${name} through a pipe prints what the file prints`, async () => {
      const direct = await dmagate(['lspci', '-F', get()]);
      finished(direct, name);
      assert.equal(direct.code, 0);
      assert.ok(direct.out.length > 100);
      for (const via of ['/dev/stdin', '-']) {
        const piped = await dmagate([], { shell: `cat "${get()}" | "$@" lspci -F ${via}` });
        finished(piped, `${name} via ${via}`);
        assert.equal(piped.code, 0, piped.err);
        assert.equal(piped.out, direct.out, `${name} via ${via}`);
      }
      const subst = await dmagate([], { shell: `"$@" lspci -F <(cat "${get()}")` });
      assert.equal(subst.out, direct.out, `${name} via <(…)`);
    });
  }
});

describe('issue 9 corpus: verify and matrix bounds', { concurrency: 1 }, () => {
  it('a 13-device one-group platform ends with inconclusive by default, naming --max-states', async () => {
    const r = await dmagate(['verify', join(HERE, 'corpus', 'one-group-13.yaml'), '--invariant', 'sec.untrusted-no-ats'], { heapMB: 512, killMs: EXPLORE_KILL_MS });
    finished(r, 'one-group-13');
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.err}`);
    assert.match(r.out, /inconclusive\s+S1\s+sec\.untrusted-no-ats — exploration stopped at the state bound \(--max-states 20000 per explored part\)/);
  });
  it('the memory bound gives inconclusive naming --max-memory, not a V8 abort', async () => {
    const r = await dmagate(['verify', join(HERE, 'corpus', 'one-group-13.yaml'), '--invariant', 'sec.untrusted-no-ats', '--max-states', '100000000', '--max-memory', '64'], { heapMB: 160, killMs: EXPLORE_KILL_MS });
    finished(r, 'memory bound');
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.err}`);
    assert.match(r.out, /stopped at the memory bound \(--max-memory 64 MB/);
  });
  it('matrix --jobs 1000 is capped at the cores, with a note', async () => {
    const v = file('one.txt', 'mainline\n');
    const r = await dmagate(['matrix', '--jobs', '1000', '--variants', v, '--iommu', 'intel', '--invariant', 'fun.msi-works'], { heapMB: 256, killMs: EXPLORE_KILL_MS });
    finished(r, 'matrix --jobs 1000');
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.err}`);
    assert.match(r.err, /--jobs 1000 capped at \d+, the cores of this machine/);
  });
});

describe('issue 9 corpus: silent wrong answers are errors', { concurrency: 2 }, () => {
  const cases: [string, string, RegExp][] = [
    [
      'an unquoted region base above 2^53',
      scenario('    - name: e\n      bdf: "00:02.0"\n      config: {}\n      reservedRegions: [ { type: direct, base: 18446744073709547520, size: 4096 } ]\n'),
      /platform\.devices\[0\]\.reservedRegions\[0\]\.base: 18446744073709547520 is beyond 2\^53 - 1.*\(8:\d+\)/,
    ],
    [
      'a region wrapping past 2^64',
      scenario('    - name: e\n      bdf: "00:02.0"\n      config: {}\n      reservedRegions: [ { type: direct, base: "0xfffffffffffff000", size: "0x2000" } ]\n'),
      /platform\.devices\[0\]\.reservedRegions\[0\]\.size: region 0xfffffffffffff000 \+ 0x2000 wraps past 2\^64/,
    ],
    [
      'a bridge with secondary bus above subordinate bus',
      scenario('    - { name: rp, bdf: "00:01.0", config: { type: root-port, secondaryBus: 5, subordinateBus: 2 } }\n'),
      /platform\.devices\[0\]\.config\.secondaryBus: bridge "rp" has secondary bus 05 above its subordinate bus 02/,
    ],
    [
      'mutual physfn',
      scenario(
        '    - { name: rp, bdf: "00:01.0", config: { type: root-port } }\n' +
          '    - { name: a, bdf: "01:00.0", parent: rp, physfn: b, config: { caps: { sriov: { totalVfs: 2 } } } }\n' +
          '    - { name: b, bdf: "01:00.1", parent: rp, physfn: a, config: { caps: { sriov: { totalVfs: 2 } } } }\n',
      ),
      /platform\.devices\[2\]\.physfn: physfn "a" is itself a VF/,
    ],
    [
      'mutual dmaAliasOf',
      scenario('    - { name: a, bdf: "00:02.0", dmaAliasOf: b, config: {} }\n    - { name: b, bdf: "00:03.0", dmaAliasOf: a, config: {} }\n'),
      /platform\.devices\[0\]\.dmaAliasOf: dmaAliasOf forms a cycle \(a -> b -> a\)/,
    ],
    [
      'nesting 10,000 levels deep',
      `platform:\n  name: t\n  iommu: intel\n  devices: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      /platform\.devices\[0\].*: nested more than 64 levels deep .*\(4:\d+\)/,
    ],
    ['nesting 10,000 mappings deep', `platform: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`, /platform\.a\.a.*: nested more than 64 levels deep/],
  ];
  cases.forEach(([name, text, message], i) => {
    it(`${name}: exit 2 with the key path`, async () => {
      const r = await dmagate(['verify', file(`wrong-${i}.yaml`, text)]);
      finished(r, name);
      assert.equal(r.code, 2, r.err + r.out);
      assert.match(r.err, message);
    });
  });
});

describe('issue 9 corpus: audit', { concurrency: 2 }, () => {
  const cfg = buildConfigSpace({}).bytes;
  it('an escaping sys/class/iommu link does not hide the HIGH no-iommu finding', async () => {
    const t = makeFakeSysfs({ fns: [{ name: '0000:00:02.0', config: cfg }] });
    after(t.cleanup);
    symlinkSync(tmp, join(t.root, 'sys', 'class', 'iommu', 'dmar0'));
    const r = await dmagate(['audit', '--sysfs', t.root]);
    finished(r, 'escaping iommu link');
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.err}`);
    assert.match(r.out, /HIGH\s+no-iommu/);
    assert.match(r.out, /ESCAPE: sys\/class\/iommu\/dmar0 resolves to .*outside the sysfs root/);
  });
  it('driver names and reserved_regions with ESC, NUL and newlines are printed escaped', async () => {
    const t = makeFakeSysfs({
      fns: [{ name: '0000:00:02.0', config: cfg, group: 0, driver: 'x\u001b]0;owned\u0007' }],
      groups: [{ id: 0, type: 'DMA', reservedRegions: '\u001b[2J\u0000junk\n' }],
      iommuUnits: ['dmar0'],
    });
    after(t.cleanup);
    const r = await dmagate(['audit', '--sysfs', t.root]);
    finished(r, 'terminal injection');
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(r.out, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'no raw control character reaches stdout');
    assert.match(r.out, /x\\e\]0;owned\\x07/);
  });
  it('--export-scenario does not follow a symlink planted at <name>.lspci.txt', async () => {
    const t = makeFakeSysfs({ fns: [{ name: '0000:00:02.0', config: cfg }] });
    after(t.cleanup);
    const out = join(tmp, 'export');
    mkdirSync(out);
    const victim = file('export-victim.txt', 'precious\n');
    symlinkSync(victim, join(out, 'host.lspci.txt'));
    const r = await dmagate(['audit', '--sysfs', t.root, '--export-scenario', join(out, 'host.yaml')]);
    finished(r, 'export symlink');
    assert.equal(r.code, 2);
    assert.match(r.err, /host\.lspci\.txt already exists \(as a symlink, which is never followed\)/);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.equal(readlinkSync(join(out, 'host.lspci.txt')), victim);
    assert.equal(existsSync(join(out, 'host.yaml')), false);
  });
  it('--sysfs pointing at the sysfs mount itself: exit 2 with the hint, no finding', async () => {
    const t = makeFakeSysfs({ fns: [{ name: '0000:00:02.0', config: cfg }] });
    after(t.cleanup);
    const r = await dmagate(['audit', '--sysfs', join(t.root, 'sys')]);
    finished(r, 'audit --sysfs ROOT/sys');
    assert.equal(r.code, 2);
    assert.match(r.err, /holds no PCI bus: .*sys\/bus\/pci does not exist; .* looks like the sysfs mount itself .*try --sysfs /);
    assert.doesNotMatch(r.out + r.err, /no-iommu/);
  });
});
