// A recorded run (data/kernel/*.json): what a real kernel did with a scenario under QEMU, with
// everything needed to redo it (kernel and QEMU versions, the exact command lines) and to
// replay it through the model (the scenario text itself, the boot prefix, per-step observations).
// Also: the parser of the guest's serial output (guest-script.ts prints the DMAGATE-* lines).

export const RUN_FORMAT = 'dmagate-kernel-run/1';

/** One device as the guest saw it (dmagate-guest obs). */
export interface GuestDeviceObs {
  readonly bdf: string;
  readonly present: boolean;
  readonly driver: string | null;
  readonly group: string | null;
  /** /sys/kernel/iommu_groups/N/type as read: "DMA", "DMA-FQ", "identity", ... */
  readonly type: string | null;
  readonly atsCap: boolean;
  readonly atsEnabled: boolean;
  readonly atsStu: number;
  readonly pasidCap: boolean;
  readonly pasidEnabled: boolean;
}

export interface GuestStep {
  /** 0: the state after boot; i: after the plan's i-th step. */
  readonly index: number;
  /** 'boot' or the event text, e.g. "group-type(nic,identity)". */
  readonly event: string;
  /** 'ok' or the errno name the sysfs write / ioctl returned. */
  readonly ret: string;
  readonly devices: Readonly<Record<string, GuestDeviceObs>>;
  readonly log: readonly string[];
}

export interface RecordedRun {
  readonly format: typeof RUN_FORMAT;
  readonly name: string;
  readonly description: string;
  /** The scenario file (relative to the repository) and its text, so a replay needs nothing else. */
  readonly scenarioFile: string;
  readonly scenario: string;
  readonly kernel: { readonly release: string; readonly version: string; readonly package: string | null; readonly image: string };
  readonly qemu: { readonly binary: string; readonly version: string };
  /** argv of the QEMU process (paths of the temporary initramfs included, as run). */
  readonly qemuArgv: readonly string[];
  readonly kernelCmdline: string;
  readonly bootEvents: readonly string[];
  readonly steps: readonly GuestStep[];
  readonly durationMs: number;
  readonly recordedAt: string;
}

export interface ParsedSerial {
  readonly uname: string | null;
  readonly cmdline: string | null;
  readonly steps: GuestStep[];
  readonly warnings: string[];
  readonly ended: boolean;
}

/** Parses the guest's serial output. Kernel messages may share a line with ours (the console
 * is shared), so markers are found anywhere in a line. */
export function parseSerial(text: string): ParsedSerial {
  const steps = new Map<number, { event: string; ret: string; devices?: Record<string, GuestDeviceObs>; log: string[] }>();
  const logs = new Map<number, string[]>();
  const warnings: string[] = [];
  let uname: string | null = null;
  let cmdline: string | null = null;
  let ended = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\r/g, '');
    const at = line.indexOf('DMAGATE-');
    if (at < 0) continue;
    const m = /^DMAGATE-([A-Z]+)(?: (.*))?$/.exec(line.slice(at));
    if (!m) continue;
    const rest = m[2] ?? '';
    switch (m[1]) {
      case 'UNAME':
        uname = rest;
        break;
      case 'CMDLINE':
        cmdline = rest;
        break;
      case 'WARN':
        warnings.push(rest);
        break;
      case 'END':
        ended = true;
        break;
      case 'STEP': {
        const s = /^(\d+) (\S+) (\S*)$/.exec(rest);
        if (s) steps.set(Number(s[1]), { event: s[2], ret: s[3] === '' ? 'EUNKNOWN' : s[3], log: [] });
        break;
      }
      case 'OBS': {
        const s = /^(\d+) (\{.*\})$/.exec(rest);
        const st = s ? steps.get(Number(s[1])) : undefined;
        if (s && st) {
          try {
            st.devices = JSON.parse(s[2]) as Record<string, GuestDeviceObs>;
          } catch {
            warnings.push(`unreadable observation for step ${s[1]}`);
          }
        }
        break;
      }
      case 'LOG': {
        const s = /^(\d+) (.*)$/.exec(rest);
        if (s) {
          const l = logs.get(Number(s[1])) ?? [];
          l.push(s[2]);
          logs.set(Number(s[1]), l);
        }
        break;
      }
    }
  }
  const out: GuestStep[] = [];
  for (const [index, s] of [...steps.entries()].sort((a, b) => a[0] - b[0])) {
    if (s.devices === undefined) {
      warnings.push(`step ${index}: no observation`);
      continue;
    }
    out.push({ index, event: s.event, ret: s.ret, devices: s.devices, log: logs.get(index) ?? [] });
  }
  return { uname, cmdline, steps: out, warnings, ended };
}

/** Structural check of a recorded run read from a file (a bad file is an error, not a crash). */
export function checkRecordedRun(x: unknown, file: string): RecordedRun {
  const bad = (why: string): never => {
    throw new Error(`${file}: not a ${RUN_FORMAT} recording: ${why}`);
  };
  if (typeof x !== 'object' || x === null) bad('not an object');
  const r = x as Record<string, unknown>;
  if (r.format !== RUN_FORMAT) bad(`format is ${JSON.stringify(r.format)}`);
  for (const k of ['name', 'scenario', 'scenarioFile', 'kernelCmdline']) if (typeof r[k] !== 'string') bad(`${k} is not a string`);
  if (!Array.isArray(r.steps) || r.steps.length === 0) bad('no steps');
  if (!Array.isArray(r.bootEvents)) bad('bootEvents is not a list');
  const k = r.kernel as Record<string, unknown> | undefined;
  if (typeof k?.release !== 'string') bad('kernel.release missing');
  return x as RecordedRun;
}
