// Shared pieces of the `dmagate agent …` commands (src/cli/agent.ts, agent-act.ts): output,
// the acting user, BDF arguments, the store, the host's devices, and the guard that prints rule
// errors bare (FILE:LINE:COL: message, exit 2).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';
import { parseBdf, formatBdf } from '../pci/bdf.js';
import { readSysfs, type SysfsHost } from '../platform/sysfs-reader.js';
import type { SetExit } from './commands.js';
import { guarded as guardedBase, InputError } from './options.js';
import { TARGETS, type Settings, type Target } from '../agent/rules/ast.js';
import { sysfsDevices } from '../agent/from-sysfs.js';
import { iommuOf, topoOrder } from '../agent/engine.js';
import { Store } from '../agent/store.js';
import { type AgentDevice } from '../agent/device.js';
import { RuleErrors } from '../agent/rules/errors.js';


export const DEFAULT_STORE = '/var/lib/dmagate/agent.db';
export const DEFAULT_RULES = '/etc/dmagate/rules.d';

export const out = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : s + '\n');
export const json = (v: unknown): void => out(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2));

export function actor(): string {
  let name = 'unknown';
  try {
    name = userInfo().username;
  } catch {
    // no passwd entry
  }
  return `${name} (uid ${process.getuid?.() ?? '?'}, pid ${process.pid})`;
}

export function bdfArg(s: string): string {
  const b = parseBdf(s);
  if (!b) throw new InputError(`"${s}" is not a PCI address ([DDDD:]BB:DD.F)`);
  return formatBdf(b, true);
}

export function implicitOverride(v: string | undefined): Partial<Settings> {
  if (v === undefined) return {};
  if (!(TARGETS as readonly string[]).includes(v)) throw new InputError(`--implicit-target wants ${TARGETS.join(', ')}, got "${v}"`);
  return { implicitTarget: v as Target };
}

export function openStore(path: string | undefined, need: boolean, lock: boolean): Store | null {
  if (path === undefined && !need) return null;
  const p = path ?? DEFAULT_STORE;
  if (!lock && !existsSync(p)) {
    if (need) throw new InputError(`${p}: no agent store (nothing decided yet)`);
    return null;
  }
  mkdirSync(dirname(p), { recursive: true });
  return Store.open(p, { lock });
}

export function hostDevices(root: string): { devs: AgentDevice[]; iommu: string | null; host: SysfsHost } {
  const host = readSysfs(root);
  if (!host.pciBus) throw new InputError(`${root}: no sys/bus/pci/devices here (pass --sysfs ROOT, the directory that holds sys/)`);
  return { devs: topoOrder(sysfsDevices(host)), iommu: iommuOf(host.iommuUnits), host };
}

export interface Common {
  sysfs?: string;
  json?: boolean;
  store?: string;
  rules?: string[];
  implicitTarget?: string;
}

/** Runs an agent action: every InputError exits 2 with its message; rule errors are printed
 * bare, one `FILE:LINE:COL: message` per line (exit 2). */
export const guarded = (cmd: string, se: SetExit, f: () => Promise<void>): Promise<void> =>
  guardedBase(cmd, se, async () => {
    try {
      await f();
    } catch (e) {
      if (!(e instanceof RuleErrors)) throw e;
      for (const x of e.errors) process.stderr.write(x.message + '\n');
      se(2);
    }
  });
