// `dmagate audit [--sysfs ROOT] [--json] [-s BDF]`: the live host's device-DMA state, read-only.
import { realpathSync } from 'node:fs';
import { InputError } from '../util/errors.js';
import { checkWritable, writeFileNoFollow } from '../util/safe-write.js';
import { termSafe } from '../util/term.js';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { exportScenario } from '../platform/sysfs-export.js';
import { IOMMU_IDS, type IommuId } from '../kernel/platform.js';
import { auditHost, type AuditedFunction, type AuditReport, type CapState, type Finding, type Severity } from '../platform/sysfs-audit.js';
import { didYouMean } from '../util/suggest.js';
import { formatBdf, parseBdf } from '../pci/bdf.js';
import { matchSlot, parseSlotFilter, type SlotFilter } from '../pci/select.js';
import { readSysfs } from '../platform/sysfs-reader.js';
import type { SetExit } from './commands.js';
import { AUDIT_FAIL_ON, DEFAULT_AUDIT_FAIL_ON, SEVERITIES } from './audit-levels.js';
import { guardedBy } from './exit.js';

export interface AuditOptions {
  readonly sysfs?: string;
  readonly json?: boolean;
  readonly slot?: string;
  /** Also write the host as a scenario YAML (+ an adjacent dump of the config bytes). */
  readonly exportScenario?: string;
  /** IOMMU vendor for the export when sys/class/iommu does not tell. */
  readonly iommu?: string;
  /** Lowest severity that makes the exit status 1 (default high); "never": always 0. */
  readonly failOn?: string;
  /** Replace existing export files (a symlink at the name is replaced, never followed). */
  readonly force?: boolean;
}

export { AUDIT_FAIL_ON, DEFAULT_AUDIT_FAIL_ON, SEVERITIES } from './audit-levels.js';

/** True when a finding is at or above `level` (never, for "never"). */
export function auditFails(findings: readonly Finding[], level: string): boolean {
  const k = SEVERITIES.indexOf(level as Severity);
  if (k < 0) return false;
  return findings.some((f) => SEVERITIES.indexOf(f.severity) <= k);
}

/** `audit --json` in the naming scheme of docs/json.md: a PCI function carries \`bdf\`
 * (with domain), \`vendor\`/\`device\` as 4-hex strings and \`class\` as 6-hex; a finding
 * names its function by \`bdf\`. (Renamed from the report's name/id/classCode and the
 * finding's device; no contract fixed those.) */
export function auditJson(rep: AuditReport): unknown {
  return {
    root: rep.root,
    iommu: rep.iommu,
    cmdline: rep.cmdline,
    pciBus: rep.pciBus,
    functions: rep.functions.map((f) => {
      const { name, id, classCode, ...rest } = f;
      const [vendor, device] = id === null ? [null, null] : id.split(':');
      return { bdf: name, vendor, device, class: classCode === null ? null : classCode.replace(/^0x/i, '').toLowerCase(), ...rest };
    }),
    groups: rep.groups,
    findings: rep.findings.map((x) => {
      const { device, ...rest } = x;
      return { ...rest, bdf: device };
    }),
    notes: rep.notes,
  };
}

/** Restricts a report to the functions in `names` (host-level findings stay, and a group's
 * findings when the group holds one of them). */
export function selectFunctions(rep: AuditReport, names: ReadonlySet<string>): AuditReport {
  return {
    ...rep,
    functions: rep.functions.filter((f) => names.has(f.name)),
    findings: rep.findings.filter((x) => (x.device === null ? x.group === undefined || rep.groups.find((g) => g.id === x.group)?.devices.some((d) => names.has(d)) === true : names.has(x.device))),
  };
}

const cap = (c: CapState): string => (c.present === null ? '?' : !c.present ? '-' : c.enabled ? 'ON' : 'off');

function cxlCell(f: AuditedFunction): string {
  if (f.configBytes > 0 && f.configBytes < 256) return '?';
  if (!f.cxl) return '-';
  const parts = [f.cxl.cache ? 'cache' : '', f.cxl.mem ? 'mem' : '', f.cxl.io ? 'io' : ''].filter((s) => s !== '');
  return parts.join('+') || 'dvsec';
}

function groupCell(f: AuditedFunction): string {
  if (f.group === null) return '-';
  return `${f.group}:${f.groupType ?? '?'}${f.groupSize !== null && f.groupSize > 1 ? `(x${f.groupSize})` : ''}`;
}

function table(rows: string[][]): string {
  rows = rows.map((r) => r.map(termSafe)); // driver names, group types: text from the machine
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

function findingLine(x: Finding): string {
  const where = x.device ?? (x.group !== undefined ? `group ${x.group}` : 'host');
  return termSafe(`  ${x.severity.toUpperCase().padEnd(6)} ${x.id} [${x.rule}] ${where}: ${x.message}`);
}

export function formatAudit(rep: AuditReport): string {
  const out: string[] = [];
  out.push(`dmagate audit of ${termSafe(rep.root)} (read-only)`);
  out.push(`IOMMU: ${rep.iommu.summary}`);
  out.push(`kernel command line: ${rep.cmdline.raw === null ? 'not available' : rep.cmdline.noats ? 'pci=noats (ATS disabled globally, R1.1)' : 'no pci=noats'}`);
  if (!rep.pciBus) out.push('no PCI bus in sysfs (sys/bus/pci/devices is absent): nothing to audit');
  else if (rep.functions.length === 0) out.push('no PCI functions listed');
  else {
    const rows = [['BDF', 'ID', 'KIND', 'DRIVER', 'GROUP:TYPE', 'ATS', 'PASID', 'PRI', 'CXL', 'REMOVABLE', 'ALWAYS-ON']];
    for (const f of rep.functions) {
      rows.push([
        f.name + (f.isVf ? '*' : ''),
        f.id ?? '?',
        f.kind,
        f.driver ?? '-',
        groupCell(f),
        cap(f.ats),
        cap(f.pasid),
        cap(f.pri),
        cxlCell(f),
        (f.removable ?? '-') + (f.untrustedApprox ? ' (untrusted?)' : ''),
        f.alwaysOn ? `${f.alwaysOn.value ? 'yes' : 'no'} (${f.alwaysOn.rule})` : '?',
      ]);
    }
    out.push(table(rows.map((r) => r.map(termSafe))));
    out.push('ATS/PASID/PRI: ON enabled, off present but disabled, - absent, ? unknown (config not readable past the header); * a VF.');
    out.push('GROUP:TYPE: IOMMU group and its default domain type (sysfs shows the default, not a VFIO-owned current domain); (xN) N members.');
    out.push('untrusted? approximates the kernel\'s untrusted flag from `removable` (no sysfs attribute exists for it).');
    const regions = rep.groups.filter((g) => g.reservedRegions.length > 0 && (rep.functions.length !== 1 || g.devices.includes(rep.functions[0].name)));
    if (regions.length > 0) {
      out.push('', 'Reserved regions:');
      for (const g of regions) {
        for (const r of g.reservedRegions) out.push(`  group ${g.id}: ${r.start}-${r.end} ${r.type}${r.direct ? '  <- direct (require_direct, R4.12)' : ''}`);
      }
    }
  }
  out.push('', rep.findings.length === 0 ? 'Findings: none' : `Findings (${rep.findings.length}):`);
  for (const x of rep.findings) out.push(findingLine(x));
  const notes = [...rep.notes.map((n) => `  ${n.code}: ${n.message}`), ...rep.functions.flatMap((f) => f.notes.map((n) => `  ${f.name} ${n.code}: ${n.message}`))].map(termSafe);
  if (notes.length > 0) out.push('', 'Notes:', ...notes);
  // Every line quotes the machine (driver names, group types, notes, reserved_regions text):
  // escaped for the terminal (util/term.ts); the table's cells were escaped before padding.
  return out.map((l) => l.split('\n').map(termSafe).join('\n')).join('\n') + '\n';
}

/** Refuses to write anywhere under a sysfs or procfs tree (the audit is read-only). */
function outputAllowed(file: string, root: string): string | null {
  let dir = resolve(dirname(file));
  try {
    dir = realpathSync(dir);
  } catch {
    return `directory ${dirname(file)} does not exist`;
  }
  let rootReal = resolve(root);
  try {
    rootReal = realpathSync(rootReal);
  } catch {
    // readSysfs reports an unusable root
  }
  const forbidden = ['/sys', '/proc', join(rootReal, 'sys'), join(rootReal, 'proc')];
  for (const f of forbidden) if (dir === f || dir.startsWith(f + sep)) return `refusing to write under ${f} (the audit is read-only)`;
  return null;
}

/** Runs the audit; returns the text to print and the exit code. */
export function runAudit(o: AuditOptions): { text: string; code: number; info?: string } {
  try {
    return audit(o);
  } catch (e) {
    // A root that is not a sysfs root, an export that would overwrite: input errors (exit 2).
    if (e instanceof InputError) return { text: `dmagate audit: ${termSafe(e.message)}\n`, code: 2 };
    throw e;
  }
}

function audit(o: AuditOptions): { text: string; code: number; info?: string } {
  const root = o.sysfs ?? '/';
  const failOn = o.failOn ?? DEFAULT_AUDIT_FAIL_ON;
  if (!(AUDIT_FAIL_ON as readonly string[]).includes(failOn)) {
    return { text: `dmagate audit: --fail-on wants ${AUDIT_FAIL_ON.join(', ')}, got "${failOn}"${didYouMean(failOn, AUDIT_FAIL_ON)}\n`, code: 2 };
  }
  const host = readSysfs(root);
  let exported = '';
  if (o.exportScenario !== undefined) {
    const file = o.exportScenario;
    if (o.iommu !== undefined && !(IOMMU_IDS as readonly string[]).includes(o.iommu)) {
      return { text: `dmagate audit: --iommu ${o.iommu}: expected one of ${IOMMU_IDS.join(', ')}\n`, code: 2 };
    }
    const bad = outputAllowed(file, root);
    if (bad !== null) return { text: `dmagate audit: --export-scenario ${file}: ${bad}\n`, code: 2 };
    const dumpFile = basename(file, extname(file)) + '.lspci.txt';
    const x = exportScenario(host, { dumpFile, ...(o.iommu !== undefined ? { iommu: o.iommu as IommuId } : {}) });
    // Neither file is written unless both may be; neither write follows a symlink.
    const dumpPath = join(dirname(file), dumpFile);
    checkWritable(dumpPath, { force: o.force });
    checkWritable(file, { force: o.force });
    writeFileNoFollow(dumpPath, x.dump, { force: o.force });
    writeFileNoFollow(file, x.yaml, { force: o.force });
    exported = [`scenario written to ${file} (config bytes in ${join(dirname(file), dumpFile)})`, ...x.warnings.map((w) => `  warning: ${w}`)].join('\n') + '\n';
  }
  let rep = auditHost(host);
  if (o.slot !== undefined) {
    // lspci's -s grammar (pciutils lib/filter.c pci_filter_parse_slot, src/pci/select.ts):
    // "01:00.0", "1:0.0", "0000:3b:00.1", and wildcards such as "01:" or "*.1".
    let f: SlotFilter;
    try {
      f = parseSlotFilter(o.slot);
    } catch (e) {
      return { text: `dmagate audit: -s ${termSafe(o.slot)}: ${(e as Error).message} (expected [[[[DDDD]:]BB]:][DD][.[F]], as lspci -s)\n`, code: 2 };
    }
    const names = new Set(rep.functions.filter((x) => { const b = parseBdf(x.name); return b !== null && matchSlot(f, b); }).map((x) => x.name));
    if (names.size === 0) {
      const whole = f.bus !== null && f.dev !== null && f.fn !== null ? formatBdf({ domain: f.domain ?? 0, bus: f.bus, dev: f.dev, fn: f.fn }, true) : o.slot;
      return { text: `dmagate audit: -s ${termSafe(o.slot)}: no PCI function matches under ${root}${didYouMean(whole, rep.functions.map((x) => x.name))}\n`, code: 2 };
    }
    rep = selectFunctions(rep, names);
  }
  const text = o.json ? JSON.stringify(auditJson(rep), null, 2) + '\n' : formatAudit(rep);
  const code = auditFails(rep.findings, failOn) ? 1 : 0;
  // With --json, stdout stays pure JSON: the export report goes to stderr.
  if (o.json) return { text, code, ...(exported !== '' ? { info: exported } : {}) };
  return { text: exported === '' ? text : `${text}\n${exported}`, code };
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command('audit')
    .description('Audit this host\'s PCI devices, IOMMU groups and ATS state from sysfs (read-only): findings with rule ids')
    .option('--sysfs <root>', 'root directory holding sys/ (and proc/cmdline)', '/')
    .option('--json', 'machine-readable output')
    .option('-s, --slot <slot>', 'only the functions lspci -s would select: [[[[DDDD]:]BB]:][DD][.[F]], e.g. 01:00.0, 01:, *.1')
    .option('--export-scenario <file>', 'also write the host as a scenario YAML (config bytes in an adjacent <name>.lspci.txt)')
    .option('--iommu <id>', `IOMMU vendor for the export when sysfs does not tell (${IOMMU_IDS.join(', ')})`)
    .option('--fail-on <level>', `exit 1 when a finding is at least this severe: ${AUDIT_FAIL_ON.join(', ')}`, DEFAULT_AUDIT_FAIL_ON)
    .option('--force', 'let --export-scenario replace existing files (a symlink there is replaced, never followed)')
    .addHelpText(
      'after',
      [
        '',
        'Reads only: sys/bus/pci/devices/*/{config,driver,iommu_group,removable,physfn,...},',
        'sys/kernel/iommu_groups/N/{type,reserved_regions}, sys/class/iommu, proc/cmdline.',
        'ROOT must hold sys/bus/pci (else exit 2). --export-scenario never overwrites (--force',
        'replaces) and never writes through a symlink.',
        'Symlinks leaving ROOT are refused. Without root the kernel shows only 64 bytes of',
        'config space: capabilities are then reported as unknown, never guessed.',
        'Per function: identity, driver, group and its type (the default domain), reserved',
        'regions, ATS/PASID/PRI present/enabled, CXL.cache/mem, removable, whether',
        'pci_ats_always_on (P1-P6) would hold; then findings with ids, severity and rule.',
        '',
        'Examples:',
        '  dmagate audit                               # this host',
        '  dmagate audit -s 0000:01:00.0 --json        # one function, machine-readable',
        '  dmagate audit --sysfs /mnt/other-root       # a copied or mounted tree (ROOT/sys/...)',
        '  dmagate audit --export-scenario host.yaml   # then: dmagate verify host.yaml',
        '  dmagate audit --fail-on medium || echo "DMA findings"   # CI gate',
        '',
        'Exit status: 0 no finding at or above --fail-on (default high); 1 one is; 2 bad input',
        '(a bad option, -s naming no function, a --sysfs root without sys/bus/pci).',
        'JSON: docs/json.md (functions carry bdf, vendor, device, class; findings name bdf).',
      ].join('\n'),
    )
    .action((opts: { sysfs: string; json?: boolean; slot?: string; exportScenario?: string; iommu?: string; failOn: string; force?: boolean }) =>
      guardedBy('audit', setExit, async () => {
        const r = runAudit({ sysfs: opts.sysfs, json: opts.json, slot: opts.slot, exportScenario: opts.exportScenario, iommu: opts.iommu, failOn: opts.failOn, force: opts.force });
        (r.code === 2 ? process.stderr : process.stdout).write(r.text);
        if (r.info !== undefined) process.stderr.write(r.info);
        setExit(r.code);
      }),
    );
}
