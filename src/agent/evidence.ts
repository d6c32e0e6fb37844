// Evidence the kernel exposes beside config space, read only where the ABI exists
// (`unavailable` otherwise, never guessed):
//   DSN            — the Device Serial Number capability in config space (always mainline);
//   TSM            — <dev>/tsm/connect and sys/class/tsm/tsmN: mainline since Linux 6.19
//                    (drivers/pci/tsm.c in torvalds/linux; Documentation/ABI/testing/sysfs-bus-pci
//                    "tsm/connect": read returns the connected TSM or empty);
//   CMA/SPDM       — <dev>/authenticated and certificates/slot0..7: only in the proposed
//                    Documentation/ABI/testing/sysfs-devices-spdm (l1k/linux, alistair23/linux,
//                    twilfredo/spdm-linux; not in torvalds/linux) — read if a kernel has them.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { listDir, openRoot, readBytes, readText, type SysfsNote } from '../platform/sysfs-fs.js';
import type { AgentDevice } from './device.js';

export interface Evidence {
  readonly dsn: string;
  readonly tsm: string;
  readonly cma: string;
  /** sha256 of each non-empty certificate slot (proposed ABI). */
  readonly certificates: Readonly<Record<string, string>>;
}

export function readEvidence(root: string, d: AgentDevice): Evidence {
  const r = openRoot(root);
  const notes: SysfsNote[] = [];
  const dir = join(r.real, 'sys', 'bus', 'pci', 'devices', d.bdf);
  const tsmClass = listDir(r, join(r.real, 'sys', 'class', 'tsm'), notes).filter((n) => /^tsm\d+$/.test(n));
  const connect = readText(r, join(dir, 'tsm', 'connect'), notes);
  let tsm = 'unavailable';
  if (typeof connect === 'string') tsm = connect === '' ? 'not connected' : `connected to ${connect}`;
  else if (tsmClass.length > 0) tsm = 'not TSM-capable (a TSM is registered and this device has no tsm/)';
  const auth = readText(r, join(dir, 'authenticated'), notes);
  const cma = typeof auth === 'string' ? (auth === '1' ? 'authenticated' : auth === '0' ? 'authentication failed' : `authenticated: "${auth}"`) : 'unavailable';
  const certificates: Record<string, string> = {};
  for (const s of listDir(r, join(dir, 'certificates'), notes).filter((n) => /^slot[0-7]$/.test(n))) {
    const b = readBytes(r, join(dir, 'certificates', s), 65535, notes);
    if (b instanceof Uint8Array && b.length > 0) certificates[s] = 'sha256:' + createHash('sha256').update(b).digest('hex');
  }
  return { dsn: d.dsn ?? 'unavailable', tsm, cma, certificates };
}
