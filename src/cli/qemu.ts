// `dmagate qemu SCENARIO`: boot a real Linux under QEMU on the scenario's machine, perform its
// events in the guest through sysfs and VFIO, record what the kernel did, and compare it with the
// model (src/kernel-check/). `--print` shows the QEMU command line and the guest script only.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import type { Command } from 'commander';
import { formatError } from '../platform/errors.js';
import { loadScenario } from '../platform/scenario.js';
import { termSafe } from '../util/term.js';
import type { SetExit } from './commands.js';

export interface QemuOptions {
  readonly print?: boolean;
  readonly record?: string;
  readonly json?: boolean;
  readonly timeout?: string;
  readonly kernel?: string;
  readonly modules?: string;
  readonly keepTemp?: boolean;
  readonly description?: string;
  readonly guestRoot?: string;
}

const EXIT_DISAGREES = 1;
const EXIT_INPUT = 2;

export async function qemuCommand(file: string, o: QemuOptions, err: (s: string) => void): Promise<{ code: number; stdout: string }> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    err(`dmagate qemu: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return { code: EXIT_INPUT, stdout: '' };
  }
  const loaded = loadScenario(text, file);
  if (!loaded.scenario) {
    err(loaded.errors.map((e) => `${file}: ${formatError(e)}\n`).join(''));
    return { code: EXIT_INPUT, stdout: '' };
  }
  const { planRun, PlanError } = await import('../kernel-check/plan.js');
  const { guestInit } = await import('../kernel-check/guest-script.js');
  const { ssdtSource } = await import('../kernel-check/host.js');
  let plan;
  try {
    plan = planRun(loaded.scenario);
  } catch (e) {
    if (e instanceof PlanError) {
      err(e.problems.map((p) => `${file}: cannot run under QEMU: ${termSafe(p)}\n`).join(''));
      return { code: EXIT_INPUT, stdout: '' };
    }
    throw e;
  }
  if (o.print) {
    const out = [
      `# ${plan.note}`,
      `${plan.qemuBinary} ${plan.qemuArgs.join(' ')}${plan.devices.some((d) => d.acpiName) ? ' -acpitable file=SSDT' : ''} -kernel VMLINUZ -initrd INITRD -append '${plan.kernelCmdline}'`,
      ...(plan.devices.some((d) => d.acpiName) ? ['# ---- SSDT (iasl) ----', ssdtSource(plan.devices.flatMap((d) => (d.acpiName ? [d.acpiName] : [])))] : []),
      `# boot: ${plan.bootEvents.length} events done by the kernel while booting; then ${plan.steps.length} steps`,
      `# modules: ${plan.modules.join(' ') || '(none)'}`,
      '# ---- /init ----',
      guestInit(plan),
    ].join('\n');
    return { code: 0, stdout: o.json ? JSON.stringify({ plan, init: guestInit(plan) }, null, 2) + '\n' : out };
  }
  const timeoutS = o.timeout === undefined ? 300 : Number(o.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    err(`dmagate qemu: --timeout ${o.timeout}: a number of seconds > 0\n`);
    return { code: EXIT_INPUT, stdout: '' };
  }
  const { findTools, HostError } = await import('../kernel-check/host.js');
  const { runQemu, RunError } = await import('../kernel-check/runner.js');
  const { compareRun, formatComparison } = await import('../kernel-check/compare.js');
  let run;
  try {
    const tools = findTools(plan.arch, { kernel: o.kernel, modules: o.modules, guestRoot: o.guestRoot });
    run = await runQemu(
      plan,
      tools,
      { name: basename(file).replace(/\.ya?ml$/, ''), description: o.description ?? '', scenarioFile: relative(process.cwd(), file), scenarioText: text },
      { timeoutMs: timeoutS * 1000, progress: (l) => err(`dmagate qemu: ${termSafe(l)}\n`), keepTemp: o.keepTemp },
    );
  } catch (e) {
    if (e instanceof HostError) {
      err(`dmagate qemu: missing pieces:\n${e.message.split('\n').map((l) => `  ${l}`).join('\n')}\n`);
      return { code: EXIT_INPUT, stdout: '' };
    }
    if (e instanceof RunError) {
      err(`dmagate qemu: ${e.message}\n--- last serial output ---\n${e.serial.slice(-3000).split(/\r?\n/).map(termSafe).join('\n')}\n`);
      return { code: EXIT_INPUT, stdout: '' };
    }
    throw e;
  }
  if (o.record !== undefined) writeFileSync(o.record, JSON.stringify(run, null, 1) + '\n');
  const c = compareRun(run);
  const out = o.json ? JSON.stringify({ run, comparison: c }, null, 2) + '\n' : formatComparison(c) + '\n';
  return { code: c.diffs.length === 0 ? 0 : EXIT_DISAGREES, stdout: out };
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command('qemu')
    .description('boot a real Linux under QEMU on the scenario\'s machine, do its events in the guest, compare with the model')
    .addHelpText(
      'after',
      [
        '',
        'The scenario must describe what QEMU can build: root ports at 00:DD.0 (pcie-root-port), one',
        'endpoint below each (driver virtio-pci: virtio-rng-pci, ATS optional, page-aligned or not;',
        'driver nvme: no ATS), the IOMMU (intel, intel-legacy, amd) with its features, the command line.',
        'Events start with the boot (every probe, pcieport binds); then bind, unbind, vfio-bind,',
        'vfio-claim, vfio-set-iommu, vfio-attach, vfio-unbind, group-type, reset, remove run in the guest.',
        'QEMU runs without KVM (TCG): a boot takes 15-60 s and more on a busy machine; progress goes to',
        'stderr, --timeout bounds it. Needs the Debian packages qemu-system-x86, linux-image-amd64,',
        'busybox-static, gcc and libc6-dev.',
        'Exit status: 0 the kernel did what the model predicts, 1 it did not (the differences are',
        'listed), 2 bad input, a missing package, or a run that failed or timed out.',
        'Examples:',
        '  dmagate qemu data/kernel/scenarios/vtd-sm-cm.yaml --print',
        '  dmagate qemu data/kernel/scenarios/vtd-sm-cm.yaml --record data/kernel/vtd-sm-cm.json',
      ].join('\n'),
    )
    .argument('<scenario>', 'scenario file (YAML; docs/scenario.md)')
    .option('--print', 'print the QEMU command line and the guest /init, do not run')
    .option('--record <file>', 'write the recorded run (JSON, data/kernel format)')
    .option('--timeout <seconds>', 'kill QEMU after this long (default 300)')
    .option('--kernel <vmlinuz>', 'guest kernel (default: newest /boot/vmlinuz-*-amd64)')
    .option('--modules <dir>', 'its modules directory (default: /usr/lib/modules/<release>)')
    .option('--guest-root <dir>', 'arm64 guests: where linux-image-*-arm64 and busybox-static:arm64 were unpacked (dpkg -x)')
    .option('--description <text>', 'stored in the recorded run')
    .option('--keep-temp', 'keep the temporary initramfs directory')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: QemuOptions) => {
      const r = await qemuCommand(file, opts, (s) => process.stderr.write(s));
      if (r.stdout) process.stdout.write(r.stdout);
      setExit(r.code);
    });
}
