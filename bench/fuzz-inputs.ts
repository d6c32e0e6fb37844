// Fuzz benchmark of every parser a user's input reaches (not part of the test suite):
//   nice node --import tsx bench/fuzz-inputs.ts                       # full size, seed 1
//   nice node --import tsx bench/fuzz-inputs.ts --seed 7 --configs 100000 --dumps 10000 --scenarios 1000
//   nice node --import tsx bench/fuzz-inputs.ts --replay dumps:1234 --seed 7   # one case again
//   nice node --import tsx bench/fuzz-inputs.ts --show dumps:1234 --seed 7     # its input
// Three kinds, each in its own child process watched by this one:
//   configs    ≥ 1 M config spaces: real (bundled qemu72 dump) and synthetic devices with random
//              byte writes biased to capability pointers and headers, random bytes, odd lengths →
//              decodeFunction, the lspci printer at -vvv, sriovVfRidRange;
//   dumps      ≥ 100k dump texts: line edits (drop, repeat, swap, garbage, long lines, CR, NUL,
//              bad addresses, domains) → parseDump, then decode every function;
//   scenarios  ≥ 10k scenario texts: edits of the bundled scenarios (huge / negative / float
//              numbers, lines dropped or repeated, indentation, deep nesting, control
//              characters, aliases) → loadScenario (dumps served from memory).
// Reported per kind: cases, crashes (an exception from code that must not throw), slow cases
// (over --case-ms), hangs (no progress for --hang-ms: the child is killed and the case named),
// worst-case time and its case, and output bounds. Every case has its own seed (seed, kind,
// index), so `--replay kind:index` reruns exactly that one.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConfigSpace } from '../src/pci/builder.js';
import type { SyntheticDeviceSpec } from '../src/pci/builder.js';
import { decodeFunction } from '../src/pci/decode.js';
import { MAX_PARSE_ISSUES, parseDump } from '../src/pci/dump.js';
import { printFunction } from '../src/pci/print/lspci.js';
import { sriovVfRidRange } from '../src/pci/caps/sriov.js';
import { loadScenario, MAX_SCENARIO_ERRORS } from '../src/platform/scenario.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..');
type Kind = 'configs' | 'dumps' | 'scenarios';
const KINDS: Kind[] = ['configs', 'dumps', 'scenarios'];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const SEED = Number(arg('seed', '1'));
const COUNTS: Record<Kind, number> = { configs: Number(arg('configs', '1000000')), dumps: Number(arg('dumps', '100000')), scenarios: Number(arg('scenarios', '10000')) };
const CASE_MS = Number(arg('case-ms', '250'));
const HANG_MS = Number(arg('hang-ms', '20000'));

// ---- seeded randomness: mulberry32, one stream per case ----
function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function caseRng(kind: Kind, i: number): Rng {
  const r = mulberry32((SEED * 0x9e3779b1) ^ (KINDS.indexOf(kind) * 0x85ebca6b) ^ Math.imul(i, 0xc2b2ae35));
  return { f: r, int: (n: number) => Math.floor(r() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] };
}
interface Rng {
  f(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
}

// ---- corpora (bundled data only) ----
const DUMP_FILE = join(REPO, 'data', 'pci-dumps', 'qemu72-cxl-direct.txt');
const DUMP_TEXT = readFileSync(DUMP_FILE, 'latin1');
const SPECS: SyntheticDeviceSpec[] = [
  { msi: true, msix: true, ats: true, pasid: true, pri: true, sriov: { totalVfs: 4 }, acs: true, dsn: { serial: 1n }, ari: true, cxl: { mem: true, cache: true } },
  { type: 'root-port', acs: true, msi: true },
  { sriov: { totalVfs: 0xffff, numVfs: 0xffff, firstVfOffset: 1, vfStride: 1 } },
  { legacyPci: true },
  { type: 'pcie-to-pci-bridge' },
];
const CONFIG_POOL: Uint8Array[] = [...parseDump(DUMP_TEXT).functions.map((f) => f.config.bytes.slice(0, 4096)), ...SPECS.map((s) => buildConfigSpace(s).bytes.slice(0, 4096))];
const LENGTHS = [0, 1, 63, 64, 65, 128, 255, 256, 257, 1000, 4095, 4096, 4096, 4096];

function scenarioCorpus(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const dir of ['scenarios', 'scenarios/golden', 'scenarios/examples']) {
    for (const f of readdirSync(join(REPO, dir))) if (f.endsWith('.yaml')) out.push({ name: join(REPO, dir, f), text: readFileSync(join(REPO, dir, f), 'utf8') });
  }
  return out;
}

// ---- generators ----
function genConfig(r: Rng): { bytes: Uint8Array; length: number } {
  const bytes = new Uint8Array(4096);
  if (r.f() < 0.1) for (let i = 0; i < 4096; i++) bytes[i] = r.int(256);
  else bytes.set(r.pick(CONFIG_POOL));
  const writes = 1 + r.int(40);
  for (let k = 0; k < writes; k++) {
    const w = r.f();
    // capability pointers and headers are where decoders loop, overrun or trust a length
    const at = w < 0.15 ? 0x34 : w < 0.3 ? 0x40 + r.int(0xc0) : w < 0.5 ? 0x100 + 4 * r.int(0x3c0) + r.int(4) : w < 0.6 ? 6 + r.int(2) : r.int(4096);
    bytes[at] = r.f() < 0.3 ? r.pick([0x00, 0xff, 0x40, 0x100 & 0xff, 0xfc, 0x01, 0x10]) : r.int(256);
  }
  return { bytes, length: r.pick(LENGTHS) };
}

const DUMP_LINES = DUMP_TEXT.split('\n');
function genDump(r: Rng): string {
  let lines = r.f() < 0.2 ? DUMP_LINES.slice(0, 20 + r.int(DUMP_LINES.length)) : DUMP_LINES.slice();
  const edits = 1 + r.int(30);
  const garbage = (): string => Array.from({ length: r.int(80) }, () => String.fromCharCode(r.f() < 0.7 ? 32 + r.int(95) : r.int(256))).join('');
  for (let k = 0; k < edits && lines.length > 0; k++) {
    const i = r.int(lines.length);
    switch (r.int(11)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, ...Array.from({ length: 1 + r.int(50) }, () => lines[i]));
        break;
      case 2: {
        const j = r.int(lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        break;
      }
      case 3:
        lines[i] = garbage();
        break;
      case 4:
        lines[i] = lines[i] + 'f'.repeat(200 + r.int(5000));
        break;
      case 5:
        lines[i] = lines[i] + '\r';
        break;
      case 6: {
        const s = lines[i];
        const p = r.int(s.length + 1);
        lines[i] = s.slice(0, p) + String.fromCharCode(r.pick([0, 9, 27, 0xff, 0x3a, 0x20, 0x2e])) + s.slice(p + 1);
        break;
      }
      case 7:
        lines[i] = `${r.pick(['', '0000:', 'ffff:', '10000:', 'ffffff:', '1:'])}${r.int(0x200).toString(16).padStart(2, '0')}:${r.int(0x40).toString(16).padStart(2, '0')}.${r.int(12).toString(16)} x`;
        break;
      case 8:
        lines[i] = `${r.int(0x2000).toString(16)}: ${Array.from({ length: r.int(40) }, () => r.int(256).toString(16).padStart(2, '0')).join(' ')}`;
        break;
      case 9:
        lines = lines.concat(lines.slice(0, r.int(lines.length)));
        break;
      default:
        lines.splice(i, 0, '');
    }
  }
  return lines.join(r.f() < 0.05 ? '\r\n' : '\n');
}

const SCEN = scenarioCorpus();
const NUMBERS = ['18446744073709551616', '9007199254740993', '-1', '1e20', '0x1ffffffffffffffff', '1.5', '.inf', '99999999999999999999999', '0', '4294967296', '"0xffffffffffffffff"'];
function genScenario(r: Rng): { name: string; text: string } {
  const base = r.pick(SCEN);
  let lines = base.text.split('\n');
  const edits = 1 + r.int(8);
  for (let k = 0; k < edits && lines.length > 0; k++) {
    const i = r.int(lines.length);
    switch (r.int(9)) {
      case 0:
        lines[i] = lines[i].replace(/\b\d+\b|0x[0-9a-fA-F]+/, r.pick(NUMBERS));
        break;
      case 1:
        lines.splice(i, 1);
        break;
      case 2:
        lines.splice(i, 0, lines[i]);
        break;
      case 3:
        lines[i] = ' '.repeat(r.int(6)) + lines[i].trimStart();
        break;
      case 4: {
        const d = 1 + r.int(r.f() < 0.5 ? 80 : 12000);
        lines[i] = lines[i].replace(/:\s*(\S.*)?$/, `: ${'['.repeat(d)}1${']'.repeat(r.f() < 0.9 ? d : r.int(d))}`);
        break;
      }
      case 5: {
        const s = lines[i];
        const p = r.int(s.length + 1);
        lines[i] = s.slice(0, p) + r.pick(['\u001b[2J', '\u0000', '\u202e', '"', "'", '{', '}', '&a', '*a', '!!binary', '<<: *a', '\t']) + s.slice(p);
        break;
      }
      case 6:
        lines[i] = lines[i].replace(/:\s*(.*)$/, `: ${r.pick(['null', '[]', '{}', 'true', '"x"', '- a', '0x', '~', 'dump: /dev/zero', '{ dump: missing.txt }'])}`);
        break;
      case 7:
        lines = lines.concat(['bomb: &a [x, x, x, x, x, x, x, x, x, x]', 'b2: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'b3: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]']);
        break;
      default: {
        const j = r.int(lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
      }
    }
  }
  return { name: base.name, text: lines.join('\n') };
}

// ---- one case of each kind: returns an output size to check bounds ----
const BDF = { domain: 0, bus: 1, dev: 0, fn: 0 };
function runCase(kind: Kind, r: Rng): number {
  if (kind === 'configs') {
    const cs = genConfig(r);
    const f = decodeFunction(BDF, cs);
    const text = printFunction(f, { verbose: 3, showDomain: true });
    if (f.sriov) sriovVfRidRange(f.bdf, f.sriov);
    return text.length;
  }
  if (kind === 'dumps') {
    const p = parseDump(genDump(r), 'fuzz.txt');
    if (p.issues.length > MAX_PARSE_ISSUES + 1) throw new Error(`${p.issues.length} PARSE issues kept (cap ${MAX_PARSE_ISSUES} + 1)`);
    let n = 0;
    for (const f of p.functions) n += decodeFunction(f.bdf, f.config).issues.length;
    return n;
  }
  const s = genScenario(r);
  const res = loadScenario(s.text, s.name, {
    readText: (path) => {
      if (path.endsWith('qemu72-cxl-direct.txt')) return DUMP_TEXT;
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
  });
  if (res.errors && res.errors.length > MAX_SCENARIO_ERRORS + 1) throw new Error(`${res.errors.length} scenario errors kept`);
  return res.errors?.length ?? 0;
}

// ---- child: run one kind, report progress lines on stdout ----
interface Report {
  kind: Kind;
  cases: number;
  crashes: number;
  firstCrashes: string[];
  slow: number;
  slowCases: string[];
  worstMs: number;
  worstCase: number;
  maxOut: number;
  ms: number;
}

function child(kind: Kind, from: number, count: number): void {
  const t0 = performance.now();
  const rep: Report = { kind, cases: 0, crashes: 0, firstCrashes: [], slow: 0, slowCases: [], worstMs: 0, worstCase: -1, maxOut: 0, ms: 0 };
  try {
    runCase(kind, caseRng(kind, -1)); // warm-up (module JIT, the schema's compilation): not timed
  } catch {
    // counted when it comes up as a case
  }
  let told = -Infinity;
  for (let i = from; i < from + count; i++) {
    // progress at most every 200 ms: the parent's watchdog sees the case that does not end
    if (performance.now() - told > 200) {
      process.stdout.write(`progress ${i}\n`);
      told = performance.now();
    }
    const c0 = performance.now();
    try {
      const out = runCase(kind, caseRng(kind, i));
      if (out > rep.maxOut) rep.maxOut = out;
    } catch (e) {
      rep.crashes++;
      if (rep.firstCrashes.length < 5) rep.firstCrashes.push(`${kind}:${i}: ${e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 3).join(' | ') : String(e)}`);
    }
    const dt = performance.now() - c0;
    if (dt > rep.worstMs) {
      rep.worstMs = dt;
      rep.worstCase = i;
    }
    if (dt > CASE_MS) {
      rep.slow++;
      if (rep.slowCases.length < 5) rep.slowCases.push(`${kind}:${i} (${dt.toFixed(0)} ms)`);
    }
    rep.cases++;
  }
  rep.ms = performance.now() - t0;
  process.stdout.write(`report ${JSON.stringify(rep)}\n`);
}

// ---- parent: one child per kind, a watchdog on progress ----
function runKind(kind: Kind): Promise<Report & { hang?: string }> {
  return new Promise((resolve) => {
    const args = [...process.execArgv, fileURLToPath(import.meta.url), '--child', kind, '--seed', String(SEED), '--case-ms', String(CASE_MS), '--from', '0', '--count', String(COUNTS[kind])];
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = 0;
    let lastAt = Date.now();
    let buf = '';
    let report: Report | undefined;
    c.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('progress ')) {
          last = Number(line.slice(9));
          lastAt = Date.now();
        } else if (line.startsWith('report ')) report = JSON.parse(line.slice(7)) as Report;
      }
    });
    const dog = setInterval(() => {
      if (Date.now() - lastAt > HANG_MS) {
        c.kill('SIGKILL');
        clearInterval(dog);
      }
    }, 500);
    c.on('close', (code, signal) => {
      clearInterval(dog);
      if (report) return resolve(report);
      const hang = signal === 'SIGKILL' ? `no progress for ${HANG_MS} ms from case ${kind}:${last} on (replay with --replay ${kind}:N from there)` : `child exited with ${code ?? signal} after case ${last}`;
      resolve({ kind, cases: last, crashes: 0, firstCrashes: [], slow: 0, slowCases: [], worstMs: NaN, worstCase: -1, maxOut: 0, ms: NaN, hang });
    });
  });
}

async function main(): Promise<void> {
  const ci = process.argv.indexOf('--child');
  if (ci >= 0) return child(process.argv[ci + 1] as Kind, Number(arg('from', '0')), Number(arg('count', '0')));
  const show = arg('show', '');
  if (show !== '') {
    const [kind, idx] = show.split(':') as [Kind, string];
    const r = caseRng(kind, Number(idx));
    process.stdout.write(kind === 'configs' ? Buffer.from(genConfig(r).bytes).toString('hex') + '\n' : kind === 'dumps' ? genDump(r) : genScenario(r).text);
    return;
  }
  const replay = arg('replay', '');
  if (replay !== '') {
    const [kind, idx] = replay.split(':') as [Kind, string];
    const t0 = performance.now();
    const out = runCase(kind, caseRng(kind, Number(idx)));
    console.log(`${replay} (seed ${SEED}): ok in ${(performance.now() - t0).toFixed(1)} ms, output measure ${out}`);
    return;
  }
  console.log(`fuzz-inputs: seed ${SEED}, ${COUNTS.configs} config spaces, ${COUNTS.dumps} dumps, ${COUNTS.scenarios} scenarios; slow > ${CASE_MS} ms, hang = no progress for ${HANG_MS} ms`);
  let bad = 0;
  for (const kind of KINDS) {
    if (COUNTS[kind] <= 0) continue;
    const r = await runKind(kind);
    bad += r.crashes + (r.hang ? 1 : 0);
    console.log(
      `${kind.padEnd(9)} cases ${r.cases}  crashes ${r.crashes}  hangs ${r.hang ? 1 : 0}  slow ${r.slow}  worst ${r.worstMs.toFixed(1)} ms (${kind}:${r.worstCase})  total ${(r.ms / 1000).toFixed(1)} s  max-output ${r.maxOut}`,
    );
    for (const s of [...r.firstCrashes, ...r.slowCases.map((x) => `slow ${x}`), ...(r.hang ? [`HANG ${r.hang}`] : [])]) console.log(`  ${s}`);
  }
  process.exitCode = bad > 0 ? 1 : 0;
}

await main();
