// `agent run`: a first pass over the devices present at start (present-device-policy), then
// hot-plug: follow `udevadm monitor --kernel --subsystem-match=pci` when udevadm exists, else
// poll sys/bus/pci/devices. SIGINT/SIGTERM stop it between devices (never inside a decision's
// commit–write–outcome sequence), close the store and release its lock.
// Kill switch: `dmagate.agent=off` on the kernel command line (ROOT/proc/cmdline) makes it
// exit at once, touching nothing (USBGuard #447 asked for exactly this).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runOnce, type DeviceResult, type EngineOptions } from './engine.js';

export const KILL_SWITCH = 'dmagate.agent=off';

export function killSwitchOn(cmdline: string | null): boolean {
  return (cmdline ?? '').split(/\s+/).includes(KILL_SWITCH);
}

/** A `udevadm monitor --kernel` line for a PCI function: "KERNEL[12.3] add /devices/pci0000:00/0000:00:1c.0/0000:03:00.0 (pci)". */
export function parseUdevLine(line: string): { action: string; bdf: string } | null {
  const m = /^KERNEL\[[0-9.]+\]\s+(\w+)\s+(\S+)\s+\(pci\)\s*$/.exec(line.trim());
  if (!m) return null;
  const last = m[2].slice(m[2].lastIndexOf('/') + 1);
  if (!/^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(last)) return null;
  return { action: m[1], bdf: last.toLowerCase() };
}

export interface DaemonOptions extends EngineOptions {
  readonly pollMs?: number;
  /** Force polling even when udevadm exists (tests, or a ROOT that is not "/"). */
  readonly poll?: boolean;
  log(line: string): void;
}

function listNames(root: string): Set<string> {
  try {
    return new Set(readdirSync(join(root, 'sys', 'bus', 'pci', 'devices')));
  } catch {
    return new Set();
  }
}

export async function runDaemon(o: DaemonOptions, report: (r: DeviceResult) => void): Promise<void> {
  let stopping = false;
  let child: ChildProcess | null = null;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    o.log(`agent: ${sig}, stopping after the current device`);
    child?.kill('SIGTERM');
    if (timer !== null) clearTimeout(timer);
    wake?.();
  };
  const onInt = (): void => stop('SIGINT');
  const onTerm = (): void => stop('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    // Listed before the first pass, so a device that appears during it is picked up after.
    let known = listNames(o.root);
    const first = runOnce({ ...o, presentAtStart: true, onDevice: report });
    o.log(`agent: ${first.results.length} devices present at start${first.reconciled > 0 ? `, ${first.reconciled} open decisions reconciled` : ''}; drivers_autoprobe ${first.autoprobe}`);
    const queue: string[] = [];
    const useUdev = o.poll !== true && o.root === '/' && spawnSync('udevadm', ['--version'], { stdio: 'ignore' }).status === 0;
    if (useUdev) {
      o.log('agent: following udevadm monitor --kernel --subsystem-match=pci');
      child = spawn('udevadm', ['monitor', '--kernel', '--subsystem-match=pci'], { stdio: ['ignore', 'pipe', 'ignore'] });
      const rl = createInterface({ input: child.stdout! });
      rl.on('line', (l) => {
        const ev = parseUdevLine(l);
        if (ev !== null && (ev.action === 'add' || ev.action === 'bind' || ev.action === 'change')) {
          queue.push(ev.bdf);
          wake?.();
        }
      });
      child.on('exit', () => {
        if (!stopping) o.log('agent: udevadm monitor exited; polling instead');
        child = null;
      });
    } else o.log(`agent: polling sys/bus/pci/devices every ${o.pollMs ?? 2000} ms`);
    while (!stopping) {
      await new Promise<void>((res) => {
        wake = res;
        if (queue.length > 0) res();
        else if (child === null) timer = setTimeout(res, o.pollMs ?? 2000);
      });
      wake = null;
      if (stopping) break;
      if (child === null) {
        const now = listNames(o.root);
        for (const n of now) if (!known.has(n)) queue.push(n);
        known = now;
      }
      const batch = new Set(queue.splice(0));
      if (batch.size > 0) runOnce({ ...o, presentAtStart: false, only: batch, onDevice: report });
    }
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    child?.kill('SIGTERM');
  }
}
