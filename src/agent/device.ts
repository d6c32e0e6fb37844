// The agent's view of one PCI function: the attributes rules match on (docs/agent.md "Rule
// language"). Built from a live sysfs tree (from-sysfs.ts) or from a model platform
// (from-platform.ts); rules and decisions see nothing else. `null` means unknown (an
// attribute that could not be read), never "absent": unknown values match no rule.

import type { PciIdentity } from '../platform/sysfs-reader.js';

/** Capabilities `with-cap` can ask for (device-acceptance.md §3.2; CXL r3.1 8.1.3 DVSEC bits). */
export const CAPS = ['ats', 'pasid', 'pri', 'sriov', 'cxl-cache', 'cxl-mem', 'cxl-io'] as const;
export type Cap = (typeof CAPS)[number];

export interface AgentDevice extends PciIdentity {
  /** "DDDD:BB:DD.F" (always with domain). */
  readonly bdf: string;
  /** The model's device name (simulate); null on a real host. */
  readonly name: string | null;
  /** Physical sysfs path, "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0". */
  readonly path: string | null;
  /** Upstream bridge, nearest first, up to the root port. */
  readonly via: readonly string[];
  /** Type 1 header (a bridge or port). */
  readonly isBridge: boolean;
  /** DSN as lspci prints it ("01-02-03-04-05-06-07-08", most significant byte first). */
  readonly dsn: string | null;
  /** Measurement (measure.ts): "sha256:<hex>"; null when config space was not fully readable. */
  readonly hash: string | null;
  readonly parentHash: string | null;
  /** Capabilities present; null when config space beyond the header was unreadable. */
  readonly caps: ReadonlySet<Cap> | null;
  /** Behind an external-facing port (untrusted). Model: firmware ExternalFacingPort on an
   * ancestor; sysfs: `removable` = removable (the kernel's proxy, pci_set_removable). */
  readonly external: boolean | null;
  readonly removable: boolean | null;
  readonly group: number | null;
  readonly groupSize: number | null;
  readonly vf: boolean;
  readonly physfn: string | null;
  /** Driver bound now (null: none). */
  readonly driver: string | null;
  /** driver_override now (null: unset). */
  readonly driverOverride: string | null;
}

export const hex4 = (n: number | null): string | null => (n === null ? null : n.toString(16).padStart(4, '0'));
export const hex6 = (n: number | null): string | null => (n === null ? null : n.toString(16).padStart(6, '0'));

/** The DSN as lspci prints it: bytes most significant first, dash separated. */
export function formatDsn(serial: bigint): string {
  const out: string[] = [];
  for (let i = 7; i >= 0; i--) out.push(((serial >> BigInt(i * 8)) & 0xffn).toString(16).padStart(2, '0'));
  return out.join('-');
}

/** The project's JSON shape of a function's identity (bdf with domain, 4-hex ids, 6-hex class). */
export function identityJson(d: AgentDevice): Record<string, unknown> {
  return {
    bdf: d.bdf,
    ...(d.name !== null ? { name: d.name } : {}),
    vendor: hex4(d.vendor),
    device: hex4(d.device),
    class: hex6(d.classCode),
    hash: d.hash,
  };
}
