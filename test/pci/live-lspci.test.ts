// (b) The same comparison against lspci run now on the same dump (`lspci -F NAME.txt -vvvn`).
// Only meaningful with pciutils 3.9.x: other versions word several blocks differently.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runLspci } from '../../src/cli/lspci.js';
import { compareLspci, outsideCaps } from './support/lspci-blocks.js';
import { renderDump } from './support/render.js';
import { DUMPS_DIR, SKIP_MSG, dumpNames } from './support/shared.js';

function lspciVersion(): string | null {
  const r = spawnSync('lspci', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return /(\d+\.\d+(?:\.\d+)?)/.exec(r.stdout)?.[1] ?? null;
}

test('capability blocks, device and header lines match a live lspci at -v, -vv and -vvv', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  const v = lspciVersion();
  if (!v) return t.skip('lspci not installed');
  if (!v.startsWith('3.9')) return t.skip(`lspci ${v} is not 3.9.x (wording differs)`);
  const deviceLines = (s: string): string[] => s.split('\n').filter((l) => /^[0-9a-f]/.test(l));
  for (const level of [1, 2, 3]) {
    let compared = 0;
    let devices = 0;
    const failures: string[] = [];
    for (const name of names) {
      const file = join(DUMPS_DIR, `${name}.txt`);
      const r = spawnSync('lspci', ['-F', file, `-${'v'.repeat(level)}n`], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, `lspci failed on ${name}: ${r.stderr}`);
      const ours = renderDump(readFileSync(file, 'utf8'), name, level);
      const c = compareLspci(r.stdout, ours);
      compared += c.compared;
      for (const m of c.mismatches) failures.push(`-${'v'.repeat(level)} ${name} ${m.device} [${m.offset}] ${m.kind}\n${m.expected}\n!=\n${m.actual}`);
      const a = deviceLines(r.stdout);
      devices += a.length;
      // device and header lines: everything outside the capability blocks, line for line
      const want = outsideCaps(r.stdout);
      const got = outsideCaps(ours);
      const k = want.findIndex((l, j) => l !== got[j]);
      if (k >= 0 || want.length !== got.length) failures.push(`-${'v'.repeat(level)} ${name} line ${k}: ${JSON.stringify(want[k])} != ${JSON.stringify(got[k])}`);
    }
    t.diagnostic(`-${'v'.repeat(level)}: ${compared} blocks, ${devices} device lines compared`);
    assert.ok(compared > 100);
    assert.deepEqual(failures, []);
  }
});

test('without -v the whole output equals lspci -n', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  if (!lspciVersion()) return t.skip('lspci not installed');
  for (const name of names) {
    const file = join(DUMPS_DIR, `${name}.txt`);
    const r = spawnSync('lspci', ['-F', file, '-n'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    assert.equal(renderDump(readFileSync(file, 'utf8'), name, 0), r.stdout, name);
  }
});

/** Our CLI flags parsed the way commander counts them (-vvv, -nn, -xxxx, -mm …). */
function flagsToOptions(args: readonly string[]): Parameters<typeof runLspci>[0] {
  const o: { -readonly [K in keyof Parameters<typeof runLspci>[0]]: Parameters<typeof runLspci>[0][K] } = { verbose: 0, numeric: 0 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-s') o.slot = args[++i];
    else if (a === '-d') o.id = args[++i];
    else
      for (const ch of a.slice(1)) {
        if (ch === 'v') o.verbose++;
        else if (ch === 'n') o.numeric = (o.numeric ?? 0) + 1;
        else if (ch === 'x') o.hex = (o.hex ?? 0) + 1;
        else if (ch === 'm') o.machine = (o.machine ?? 0) + 1;
        else if (ch === 'k') o.kernel = true;
        else if (ch === 't') o.tree = true;
        else if (ch === 'D') o.domains = true;
      }
  }
  return o;
}

const HAVE_IDS = existsSync('/usr/share/misc/pci.ids');

test('whole output equals live lspci 3.9 on every shared dump: -n, names, -nn, -k, -x…, -t, -m…, -D, -s/-d with -t', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  const v = lspciVersion();
  if (!v) return t.skip('lspci not installed');
  if (!v.startsWith('3.9')) return t.skip(`lspci ${v} is not 3.9.x`);
  const modes: string[][] = [['-vn'], ['-vvn'], ['-vvvn'], ['-n'], ['-kn'], ['-x'], ['-xxx'], ['-xxxx'], ['-tn'], ['-tvn'], ['-mmn'], ['-vmmn'], ['-mn'], ['-Dn'], ['-xn', '-s', '00:'], ['-tn', '-s', '00:1c'], ['-tvn', '-d', '8086:'], ['-tn', '-d', '::0604']];
  // names need the same pci.ids (Debian pci.ids 2023.04.x here); udev's hwdb is turned off in
  // lspci, whose names dmagate does not read
  if (HAVE_IDS) modes.push([], ['-vvv'], ['-vvvnn'], ['-nn'], ['-k'], ['-tv'], ['-mm'], ['-vmm'], ['-nnmm'], ['-vmmnn'], ['-tvnn']);
  else t.diagnostic('no /usr/share/misc/pci.ids: the name modes are not compared');
  let compared = 0;
  const failures: string[] = [];
  for (const args of modes) {
    for (const name of names) {
      const file = join(DUMPS_DIR, `${name}.txt`);
      const r = spawnSync('lspci', ['-O', 'hwdb.disable=1', '-F', file, ...args], { encoding: 'latin1', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, `lspci ${args.join(' ')} failed on ${name}: ${r.stderr}`);
      const ours = runLspci({ ...flagsToOptions(args), file });
      const got = ours.out.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('latin1'))).join('');
      compared++;
      if (got !== r.stdout) {
        const a = r.stdout.split('\n');
        const b = got.split('\n');
        const k = a.findIndex((l, j) => l !== b[j]);
        failures.push(`lspci ${args.join(' ')} ${name} line ${k + 1}: ${JSON.stringify(a[k])} != ${JSON.stringify(b[k])}`);
      }
    }
  }
  t.diagnostic(`${compared} outputs (${modes.length} modes x ${names.length} dumps) compared whole`);
  assert.deepEqual(failures.slice(0, 10), []);
});

test('this host through sysfs (root only): the whole output equals live lspci 3.9 in every mode', (t) => {
  const v = lspciVersion();
  if (!v || !v.startsWith('3.9')) return t.skip('lspci 3.9 not installed');
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return t.skip('not root: the kernel gives only 64 bytes of config space');
  if (!existsSync('/sys/bus/pci/devices')) return t.skip('no /sys/bus/pci on this machine');
  const modes: string[][] = [[], ['-n'], ['-v'], ['-vv'], ['-vvv'], ['-k'], ['-x'], ['-xxxx'], ['-t'], ['-tv'], ['-mm'], ['-vmm'], ['-vmmk'], ['-nn']];
  let compared = 0;
  for (const args of modes) {
    const r = spawnSync('lspci', ['-O', 'hwdb.disable=1', ...args], { encoding: 'latin1', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 << 20 });
    if (r.status !== 0) return t.skip(`lspci ${args.join(' ')} failed: ${r.stderr}`);
    if (/Kernel modules:/.test(r.stdout)) return t.skip('lspci shows kernel modules (libkmod) here, which dmagate does not');
    const ours = runLspci({ ...flagsToOptions(args), sysfs: '/' });
    let got = ours.out.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('latin1'))).join('');
    if (args.join('') === '-k') got = got.replace(/\tIOMMU group: \d+\n/g, ''); // dmagate's -k extension line
    assert.equal(got, r.stdout, `lspci ${args.join(' ')}`);
    compared++;
  }
  t.diagnostic(`${compared} modes identical on this host`);
});
