// `lspci -m`, `-mm`, `-vmm` (pciutils 3.9.0 lspci.c show_machine): one shell-quoted line per
// function, or "Tag:\tvalue" records at -v. Names as -n / -nn say (PciNames).
import { avail, rd16, rd8 } from '../config.js';
import { formatBdf } from '../bdf.js';
import type { PciFunction } from '../types.js';
import { PciNames } from '../names/pci-ids.js';
import { termSafe } from '../../util/term.js';
import { h2 } from './fmt.js';
import type { HostInfo } from './host.js';
import { subsystemIds } from './header.js';

export interface MachineOptions {
  /** 1 (-m) or 2 (-mm). */
  readonly level: number;
  readonly verbose: number;
  /** -D given (domains then always shown; otherwise only a non-zero one). */
  readonly domains: boolean;
  readonly names: PciNames;
  readonly kernel?: boolean;
  readonly host?: HostInfo;
}

/** print_shell_escaped: ` "text"` with `"` and `\` escaped. */
const q = (s: string): string => ' "' + s.replace(/["\\]/g, (c) => '\\' + c) + '"';

export function machineText(fn: PciFunction, o: MachineOptions): string {
  const cs = fn.config;
  const n = o.names;
  const slot = formatBdf(fn.bdf, fn.bdf.domain !== 0 || o.domains);
  if (!avail(cs, 0, 64)) return `${slot} "ffff" "ffff" "ffff"\n`;
  const v = rd16(cs, 0);
  const d = rd16(cs, 2);
  const cls = rd16(cs, 0x0a);
  const [sv, sd] = subsystemIds(fn);
  const hasSub = sv !== 0 && sv !== 0xffff;
  const rev = rd8(cs, 0x08);
  const pif = rd8(cs, 0x09);
  if (o.verbose) {
    let s = `${o.level >= 2 ? 'Slot' : 'Device'}:\t${slot}\n`;
    s += `Class:\t${n.className(cls)}\nVendor:\t${n.vendor(v)}\nDevice:\t${n.device(v, d)}\n`;
    if (hasSub) s += `SVendor:\t${n.subVendor(sv)}\nSDevice:\t${n.subDevice(v, d, sv, sd)}\n`;
    if (rev) s += `Rev:\t${h2(rev)}\n`;
    s += `ProgIf:\t${h2(pif)}\n`;
    if (o.kernel && o.host?.driver) s += `Driver:\t${termSafe(o.host.driver)}\n`;
    if (o.host && o.host.numaNode !== null && o.host.numaNode !== -1) s += `NUMANode:\t${o.host.numaNode}\n`;
    if (o.host?.iommuGroup !== null && o.host?.iommuGroup !== undefined) s += `IOMMUGroup:\t${o.host.iommuGroup}\n`;
    return s + '\n';
  }
  let s = slot + q(n.className(cls)) + q(n.vendor(v)) + q(n.device(v, d));
  if (rev) s += ` -r${h2(rev)}`;
  s += ` -p${h2(pif)}`;
  s += hasSub ? q(n.subVendor(sv)) + q(n.subDevice(v, d, sv, sd)) : ' "" ""';
  return s + '\n';
}
