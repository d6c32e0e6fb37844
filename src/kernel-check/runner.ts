// Runs QEMU on a plan: spawns the process (under `nice`), streams the serial console, reports
// progress, kills it on timeout, and turns the output into a RecordedRun.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { formatEvent } from '../kernel/types.js';
import { buildInitramfs, type HostTools } from './host.js';
import type { Plan } from './plan.js';
import { parseSerial, RUN_FORMAT, type RecordedRun } from './record.js';

export interface RunOptions {
  readonly timeoutMs: number;
  readonly progress: (line: string) => void;
  readonly keepTemp?: boolean;
}

export interface RunMeta {
  readonly name: string;
  readonly description: string;
  readonly scenarioFile: string;
  readonly scenarioText: string;
}

export class RunError extends Error {
  constructor(
    message: string,
    readonly serial: string,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

export function qemuArgv(plan: Plan, tools: HostTools, initrd: string, ssdt: string | null = null): string[] {
  return [...plan.qemuArgs, ...(ssdt === null ? [] : ['-acpitable', `file=${ssdt}`]), '-kernel', tools.kernel, '-initrd', initrd, '-append', plan.kernelCmdline];
}

export async function runQemu(plan: Plan, tools: HostTools, meta: RunMeta, o: RunOptions): Promise<RecordedRun> {
  const built = buildInitramfs(plan, tools);
  const argv = qemuArgv(plan, tools, built.initrd, built.ssdt);
  const t0 = Date.now();
  o.progress(`booting ${tools.kernelRelease} under ${tools.qemuVersion} (${plan.note}; timeout ${Math.round(o.timeoutMs / 1000)} s)`);
  let serial = '';
  let timedOut = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('nice', ['-n', '10', tools.qemu, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, o.timeoutMs);
      let pending = '';
      let ended = false;
      const total = plan.steps.length;
      const onData = (b: Buffer): void => {
        const s = b.toString('utf8');
        serial += s;
        pending += s;
        const lines = pending.split(/\r?\n/);
        pending = lines.pop() ?? '';
        for (const l of lines) {
          if (l.includes('DMAGATE-END') && !ended) {
            // everything is recorded: the guest's poweroff may still wait for devices to shut
            // down (an NVMe under the emulated AMD-Vi can take minutes), so stop QEMU ourselves
            ended = true;
            setTimeout(() => child.kill('SIGKILL'), 1000);
          }
          const m = /DMAGATE-(STEP|UNAME) (.*)/.exec(l);
          const secs = ((Date.now() - t0) / 1000).toFixed(0);
          if (m?.[1] === 'UNAME') o.progress(`[${secs} s] guest up: ${m[2].split(' ')[0]}`);
          else if (m?.[1] === 'STEP') {
            const [i, ev, ret] = m[2].split(' ');
            o.progress(`[${secs} s] step ${i}/${total} ${ev} -> ${ret}`);
          }
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (b: Buffer) => (serial += b.toString('utf8')));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    if (!o.keepTemp) rmSync(built.dir, { recursive: true, force: true });
  }
  const ms = Date.now() - t0;
  const parsed = parseSerial(serial);
  if (timedOut) throw new RunError(`QEMU timed out after ${Math.round(ms / 1000)} s (${parsed.steps.length} of ${plan.steps.length + 1} steps seen); raise --timeout on a busy machine`, serial);
  if (!parsed.ended) throw new RunError(`the guest stopped before the end (${parsed.steps.length} of ${plan.steps.length + 1} steps seen); the serial log tells why`, serial);
  if (parsed.steps.length !== plan.steps.length + 1) throw new RunError(`expected ${plan.steps.length + 1} steps, the guest printed ${parsed.steps.length}`, serial);
  for (const w of parsed.warnings) o.progress(`guest warning: ${w}`);
  const [release, ...ver] = (parsed.uname ?? `${tools.kernelRelease} unknown`).split(' ');
  return {
    format: RUN_FORMAT,
    name: meta.name,
    description: meta.description,
    scenarioFile: meta.scenarioFile,
    scenario: meta.scenarioText,
    kernel: { release, version: ver.join(' '), package: tools.kernelPackage, image: tools.kernel },
    qemu: { binary: tools.qemu, version: tools.qemuVersion },
    qemuArgv: [tools.qemu, ...argv],
    kernelCmdline: parsed.cmdline ?? plan.kernelCmdline,
    bootEvents: plan.bootEvents.map(formatEvent),
    steps: parsed.steps,
    durationMs: ms,
    recordedAt: new Date().toISOString(),
  };
}
