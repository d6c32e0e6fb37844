// The host side of `dmagate qemu`: find QEMU, the guest kernel and its modules, busybox and gcc
// (each missing piece is an error naming the Debian package), build the guest helper and the
// initramfs in a temporary directory (no root: the cpio is written by ./cpio.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { bundledPath } from '../platform/package-root.js';
import { cpioNewcGz, type CpioEntry } from './cpio.js';
import { guestInit } from './guest-script.js';
import type { Arch, Plan } from './plan.js';

export class HostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostError';
  }
}

export interface HostTools {
  readonly qemu: string;
  readonly qemuVersion: string;
  readonly kernel: string;
  readonly kernelRelease: string;
  /** dpkg version of linux-image-<release>, when installed from a package. */
  readonly kernelPackage: string | null;
  readonly modulesDir: string;
  readonly busybox: string;
  /** The C compiler for the guest helper (gcc, or aarch64-linux-gnu-gcc for arm64 guests). */
  readonly cc: string;
}

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return null;
}

function versionOf(bin: string): string {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}

function dpkgVersion(pkg: string): string | null {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null;
  }
}

/** Newest /boot/vmlinuz-*-<flavour> (Debian names: -amd64, -arm64). */
function newestKernel(arch: Arch, bootDir: string): string | null {
  const flavour = arch === 'x86_64' ? 'amd64' : 'arm64';
  if (!existsSync(bootDir)) return null;
  const ks = readdirSync(bootDir)
    .filter((f) => f.startsWith('vmlinuz-') && f.endsWith(`-${flavour}`))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return ks.length === 0 ? null : join(bootDir, ks[ks.length - 1]);
}

export interface FindOptions {
  readonly kernel?: string;
  readonly modules?: string;
  /** A directory where Debian's arm64 packages were unpacked (dpkg -x linux-image-*-arm64 and
   * busybox-static:arm64 into it): boot/vmlinuz-*, lib/modules/<release>, bin/busybox. */
  readonly guestRoot?: string;
}

const ARM64_HOWTO =
  'an arm64 guest needs Debian\'s arm64 packages unpacked in one directory, passed as --guest-root DIR:\n' +
  '    apt-get -o APT::Architectures=amd64,arm64 -o Dir::State::Lists=/tmp/l update\n' +
  '    apt-get -o APT::Architectures=amd64,arm64 -o Dir::State::Lists=/tmp/l download linux-image-6.1.0-NN-arm64:arm64 busybox-static:arm64\n' +
  '    for d in *.deb; do dpkg -x $d DIR; done; depmod -b DIR <release>\n' +
  '  and the cross compiler for the guest helper: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross';

export function findTools(arch: Arch, o: FindOptions = {}): HostTools {
  const problems: string[] = [];
  const qemuName = arch === 'x86_64' ? 'qemu-system-x86_64' : 'qemu-system-aarch64';
  const qemu = which(qemuName);
  if (qemu === null) problems.push(`${qemuName} not found: apt-get install ${arch === 'x86_64' ? 'qemu-system-x86' : 'qemu-system-arm'}`);
  const root = o.guestRoot;
  const kernel = o.kernel ?? (arch === 'x86_64' ? newestKernel(arch, '/boot') : root === undefined ? null : newestKernel(arch, join(root, 'boot')));
  if (kernel === null || !existsSync(kernel)) {
    problems.push(arch === 'x86_64' ? 'no guest kernel in /boot: apt-get install linux-image-amd64 (or --kernel FILE --modules DIR)' : `no arm64 guest kernel: ${ARM64_HOWTO}`);
  }
  const release = kernel === null ? '' : basename(kernel).replace(/^vmlinuz-/, '');
  const modulesDir = o.modules ?? (arch === 'aarch64' && root !== undefined ? join(root, 'lib', 'modules', release) : `/usr/lib/modules/${release}`);
  if (kernel !== null && !existsSync(join(modulesDir, 'modules.dep'))) problems.push(`no modules for ${release} at ${modulesDir} (modules.dep missing): reinstall linux-image-${release}, run depmod -b ROOT ${release} for an unpacked .deb, or pass --modules DIR`);
  const busybox = arch === 'x86_64' ? '/bin/busybox' : join(root ?? '/nonexistent', 'bin', 'busybox');
  if (!existsSync(busybox) || !/statically linked/.test(safeFile(busybox))) {
    problems.push(arch === 'x86_64' ? 'no static busybox at /bin/busybox: apt-get install busybox-static' : `no arm64 static busybox at ${busybox}: ${ARM64_HOWTO}`);
  }
  const cc = arch === 'x86_64' ? 'gcc' : 'aarch64-linux-gnu-gcc';
  if (which(cc) === null) problems.push(arch === 'x86_64' ? 'gcc not found (it builds the guest helper with -static): apt-get install gcc libc6-dev' : `${cc} not found: apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross`);
  if (problems.length > 0) throw new HostError(problems.join('\n'));
  const pkg = dpkgVersion(`linux-image-${release}`) ?? (root !== undefined ? debVersionIn(root, release) : null);
  return { qemu: qemu!, qemuVersion: versionOf(qemu!), kernel: kernel!, kernelRelease: release, kernelPackage: pkg, modulesDir, busybox, cc };
}

/** The package version of an unpacked kernel .deb: its changelog's first line. */
function debVersionIn(root: string, release: string): string | null {
  const f = join(root, 'usr', 'share', 'doc', `linux-image-${release}`, 'changelog.Debian.gz');
  try {
    const m = /\(([^)]+)\)/.exec(gunzipSync(readFileSync(f)).toString('utf8').split('\n')[0]);
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

function safeFile(p: string): string {
  try {
    return execFileSync('file', ['-L', p], { encoding: 'utf8', timeout: 10_000 });
  } catch {
    return 'statically linked'; // no `file` tool: trust the busybox-static path
  }
}

/** modules.dep resolution: the wanted modules (by file base name, e.g. "vfio-pci", "nvme") and
 * their dependencies, dependencies first; a module that is built in (absent from modules.dep
 * but listed in modules.builtin) is skipped. */
export function moduleOrder(modulesDep: string, builtin: string, wanted: readonly string[]): { files: string[]; missing: string[] } {
  const dep = new Map<string, string[]>();
  const byBase = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim();
    dep.set(k, line.slice(i + 1).trim().split(/\s+/).filter(Boolean));
    byBase.set(basename(k).replace(/\.ko(\.[a-z]+)?$/, ''), k);
  }
  const built = new Set(builtin.split('\n').map((l) => basename(l.trim()).replace(/\.ko$/, '')));
  const files: string[] = [];
  const missing: string[] = [];
  const add = (k: string): void => {
    if (files.includes(k)) return;
    for (const d of dep.get(k) ?? []) add(d);
    files.push(k);
  };
  for (const w of wanted) {
    const k = byBase.get(w) ?? byBase.get(w.replace(/-/g, '_')) ?? byBase.get(w.replace(/_/g, '-'));
    if (k !== undefined) add(k);
    else if (!built.has(w) && !built.has(w.replace(/-/g, '_'))) missing.push(w);
  }
  return { files, missing };
}

/** Builds the guest helper (gcc -static) into `dir`. */
function buildHelper(dir: string, cc: string): string {
  const src = bundledPath('data', 'kernel', 'guest', 'dmagate-guest.c');
  const out = join(dir, 'dmagate-guest');
  try {
    execFileSync(cc, ['-static', '-O2', '-o', out, src], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  } catch (e) {
    const msg = e instanceof Error && 'stderr' in e ? String((e as { stderr: unknown }).stderr) : String(e);
    throw new HostError(`gcc -static failed building the guest helper (apt-get install libc6-dev):\n${msg.slice(0, 2000)}`);
  }
  return out;
}

/** An SSDT giving each external-facing root port the _DSD property ExternalFacingPort = 1, under
 * the Microsoft "external facing port" UUID that drivers/acpi/property.c accepts (prp_guids);
 * compiled with iasl (acpica-tools). */
export function ssdtSource(names: readonly string[]): string {
  const scopes = names.map(
    (n) => `    External (\\_SB.PCI0.${n}, DeviceObj)
    Scope (\\_SB.PCI0.${n})
    {
        Name (_DSD, Package () {
            ToUUID ("efcc06cc-73ac-4bc3-bff0-76143807c389"),
            Package () { Package () { "ExternalFacingPort", 1 } }
        })
    }`,
  );
  return `DefinitionBlock ("", "SSDT", 2, "DMAGT", "EXTFACE", 1)\n{\n${scopes.join('\n')}\n}\n`;
}

function buildSsdt(plan: Plan, dir: string): string | null {
  const names = plan.devices.flatMap((d) => (d.acpiName === undefined ? [] : [d.acpiName]));
  if (names.length === 0) return null;
  if (which('iasl') === null) throw new HostError('iasl not found (it compiles the SSDT that marks external-facing root ports): apt-get install acpica-tools');
  const dsl = join(dir, 'extface.dsl');
  writeFileSync(dsl, ssdtSource(names));
  try {
    execFileSync('iasl', ['-p', join(dir, 'extface'), dsl], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  } catch (e) {
    throw new HostError(`iasl failed on the external-facing SSDT: ${e instanceof Error ? e.message : String(e)}`);
  }
  return join(dir, 'extface.aml');
}

export interface Built {
  readonly dir: string;
  readonly initrd: string;
  /** -acpitable file for external-facing root ports, if any. */
  readonly ssdt: string | null;
  readonly init: string;
  readonly moduleFiles: readonly string[];
}

/** The initramfs: busybox, the helper, the modules in load order, /init. */
export function buildInitramfs(plan: Plan, tools: HostTools): Built {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-qemu-'));
  const helper = buildHelper(dir, tools.cc);
  const dep = readFileSync(join(tools.modulesDir, 'modules.dep'), 'utf8');
  const builtinPath = join(tools.modulesDir, 'modules.builtin');
  const builtin = existsSync(builtinPath) ? readFileSync(builtinPath, 'utf8') : '';
  const { files, missing } = moduleOrder(dep, builtin, plan.modules);
  if (missing.length > 0) throw new HostError(`kernel ${tools.kernelRelease} has neither a module nor a built-in for: ${missing.join(', ')}`);
  for (const f of files) if (/\.ko\.[a-z]+$/.test(f)) throw new HostError(`compressed module ${f}: this version loads plain .ko files only`);
  const init = guestInit(plan);
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'tmp', 'lib', 'lib/modules'].map((p) => ({ kind: 'dir' as const, path: p })),
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'file', path: 'bin/busybox', data: readFileSync(tools.busybox), mode: 0o755 },
    { kind: 'file', path: 'bin/dmagate-guest', data: readFileSync(helper), mode: 0o755 },
    ...files.map((f) => ({ kind: 'file' as const, path: `lib/modules/${basename(f)}`, data: readFileSync(join(tools.modulesDir, f)) })),
    { kind: 'file', path: 'lib/modules/order', data: files.map((f) => basename(f)).join('\n') + '\n' },
    { kind: 'file', path: 'init', data: init, mode: 0o755 },
  ];
  const initrd = join(dir, 'initrd.cpio.gz');
  writeFileSync(initrd, cpioNewcGz(entries));
  return { dir, initrd, init, moduleFiles: files, ssdt: buildSsdt(plan, dir) };
}
