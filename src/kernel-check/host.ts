// The host side of `dmagate qemu`: find QEMU, the guest kernel and its modules, busybox and gcc
// (each missing piece is an error naming the Debian package), build the guest helper and the
// initramfs in a temporary directory (no root: the cpio is written by ./cpio.ts).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
}

export function findTools(arch: Arch, o: FindOptions = {}): HostTools {
  const problems: string[] = [];
  const qemuName = arch === 'x86_64' ? 'qemu-system-x86_64' : 'qemu-system-aarch64';
  const qemu = which(qemuName);
  if (qemu === null) problems.push(`${qemuName} not found: apt-get install ${arch === 'x86_64' ? 'qemu-system-x86' : 'qemu-system-arm'}`);
  const kernel = o.kernel ?? newestKernel(arch, arch === 'x86_64' ? '/boot' : '/usr/lib/dmagate-arm64/boot');
  if (kernel === null || !existsSync(kernel)) {
    problems.push(
      arch === 'x86_64'
        ? 'no guest kernel in /boot: apt-get install linux-image-amd64 (or --kernel FILE --modules DIR)'
        : 'no arm64 guest kernel: apt-get download linux-image-arm64 and its linux-image-6.1.*-arm64, unpack with dpkg -x, then pass --kernel .../boot/vmlinuz-* --modules .../lib/modules/<release>',
    );
  }
  const release = kernel === null ? '' : basename(kernel).replace(/^vmlinuz-/, '');
  const modulesDir = o.modules ?? `/usr/lib/modules/${release}`;
  if (kernel !== null && !existsSync(join(modulesDir, 'modules.dep'))) problems.push(`no modules for ${release} at ${modulesDir} (modules.dep missing): reinstall linux-image-${release} or pass --modules DIR`);
  const busybox = '/bin/busybox';
  if (!existsSync(busybox) || !/statically linked/.test(safeFile(busybox))) {
    if (arch === 'x86_64') problems.push('no static busybox at /bin/busybox: apt-get install busybox-static');
  }
  if (arch === 'aarch64') problems.push('arm64 guests need an arm64 static busybox and helper: not built by this version (SMMUv3 runs are left out)');
  if (which('gcc') === null) problems.push('gcc not found (it builds the guest helper with -static): apt-get install gcc libc6-dev');
  if (problems.length > 0) throw new HostError(problems.join('\n'));
  return { qemu: qemu!, qemuVersion: versionOf(qemu!), kernel: kernel!, kernelRelease: release, kernelPackage: dpkgVersion(`linux-image-${release}`), modulesDir, busybox };
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
function buildHelper(dir: string): string {
  const src = bundledPath('data', 'kernel', 'guest', 'dmagate-guest.c');
  const out = join(dir, 'dmagate-guest');
  try {
    execFileSync('gcc', ['-static', '-O2', '-o', out, src], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  } catch (e) {
    const msg = e instanceof Error && 'stderr' in e ? String((e as { stderr: unknown }).stderr) : String(e);
    throw new HostError(`gcc -static failed building the guest helper (apt-get install libc6-dev):\n${msg.slice(0, 2000)}`);
  }
  return out;
}

export interface Built {
  readonly dir: string;
  readonly initrd: string;
  readonly init: string;
  readonly moduleFiles: readonly string[];
}

/** The initramfs: busybox, the helper, the modules in load order, /init. */
export function buildInitramfs(plan: Plan, tools: HostTools): Built {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-qemu-'));
  const helper = buildHelper(dir);
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
  return { dir, initrd, init, moduleFiles: files };
}
