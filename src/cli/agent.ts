// `dmagate agent …`: the acceptance agent (docs/agent.md). Decides which PCIe/CXL functions
// may reach memory (rules), explains why, prints the sysfs writes it would make (dry run is
// the default; --apply acts), keeps decisions and an audit trail in SQLite, and proves a
// policy on the kernel model (`simulate`).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { IOMMU_IDS, type IommuId } from '../kernel/platform.js';
import { loadBackend } from '../verify/backend.js';
import { collectList, resolveInvariants } from './select.js';
import type { SetExit } from './commands.js';
import { basePlatform, InputError, parseCount, parseIommu } from './options.js';
import { loadPolicy } from '../agent/rules/load.js';
import { type Policy } from '../agent/rules/ast.js';
import { evaluate } from '../agent/rules/evaluate.js';
import { platformDevices } from '../agent/from-platform.js';
import { hostContext } from '../agent/engine.js';
import { Store } from '../agent/store.js';
import { explainText, simulateText, deviceLine } from '../agent/format.js';
import { generatePolicy } from '../agent/generate.js';
import { DEFAULT_SIM_VARIANT, simulate, simulateFound } from '../agent/simulate.js';
import { readEvidence } from '../agent/evidence.js';
import { hex4, hex6, type AgentDevice } from '../agent/device.js';
import { termSafe } from '../util/term.js';
import { bdfArg, DEFAULT_RULES, DEFAULT_STORE, guarded, hostDevices, implicitOverride, json, openStore, out, type Common } from './agent-common.js';
import { registerAct } from './agent-act.js';

export { DEFAULT_RULES, DEFAULT_STORE } from './agent-common.js';

export function register(program: Command, setExit: SetExit): void {
  const agent = program
    .command('agent')
    .description('the acceptance agent: which PCIe/CXL devices may reach memory, why, and proof on the model')
    .addHelpText(
      'after',
      [
        '',
        'First run (cannot lock you out: nothing is written without --apply):',
        `  dmagate agent generate > ${DEFAULT_RULES}/50-present.rules   # allow what is here`,
        `  dmagate agent check ${DEFAULT_RULES}                          # syntax, FILE:LINE:COL`,
        `  dmagate agent run --once --rules ${DEFAULT_RULES}              # the plan: each sysfs write it would make`,
        `  dmagate agent simulate ${DEFAULT_RULES}                        # what the policy guarantees, on the model`,
        '  systemctl enable --now dmagate-agent                          # enforce (contrib/); kill switch: dmagate.agent=off',
        '',
        'Exit status: 0 ok; 1 found something (a device rejected, a write refused or failed, a',
        'violated invariant in simulate); 2 bad input (rule syntax, unknown device, bad option).',
      ].join('\n'),
    );

  agent
    .command('check')
    .description('parse rule files/folders; every error as FILE:LINE:COL: message (exit 2)')
    .argument('<rules...>', 'rule files or rules.d folders (*.rules, lexical order)')
    .option('--json', 'print the parsed policy as JSON')
    .addHelpText('after', '\nExamples:\n  dmagate agent check /etc/dmagate/rules.d\n  dmagate agent check my.rules --json')
    .action((rules: string[], o: { json?: boolean }) =>
      guarded('agent check', setExit, () => {
        const p = loadPolicy(rules);
        if (o.json) json({ files: p.files, digest: p.digest, settings: p.settings, rules: p.rules.map((r) => ({ id: r.id, target: r.target, text: r.text, file: r.pos.file, line: r.pos.line, label: r.label })) });
        else out(`${p.rules.length} rule${p.rules.length === 1 ? '' : 's'} in ${p.files.length} file${p.files.length === 1 ? '' : 's'}; implicit target ${p.settings.implicitTarget}; policy ${p.digest}`);
        return Promise.resolve();
      }),
    );

  agent
    .command('list')
    .description('devices with what the policy (or the store) decides for them')
    .option('--sysfs <root>', 'sysfs root (the directory holding sys/)', '/')
    .option('--rules <paths>', 'evaluate these rules: files or folders, comma-separated or repeated (default: show stored decisions only)', collectList)
    .option('--store <db>', `decision store (default ${DEFAULT_STORE} when it exists)`)
    .option('-a, --allowed', 'only allowed devices')
    .option('-b, --blocked', 'only blocked or rejected devices')
    .option('--json', 'JSON')
    .addHelpText('after', '\nExamples:\n  dmagate agent list --rules /etc/dmagate/rules.d\n  dmagate agent list -b --json --sysfs /tmp/fake')
    .action((o: Common & { allowed?: boolean; blocked?: boolean }) =>
      guarded('agent list', setExit, () => {
        const root = o.sysfs ?? '/';
        const { devs, host } = hostDevices(root);
        const policy = o.rules !== undefined ? loadPolicy(o.rules) : null;
        const store = openStore(o.store ?? (existsSync(DEFAULT_STORE) ? DEFAULT_STORE : undefined), false, false);
        const ctx = hostContext(root, host, true);
        const rows = devs.map((d) => {
          const ev = policy !== null ? evaluate(policy, d, ctx) : null;
          const stored = store?.current(d.bdf) ?? null;
          const target = ev?.outcome.target ?? stored?.target ?? null;
          const rule = ev !== null ? (ev.outcome.by.kind === 'rule' ? `rule ${ev.outcome.by.rule.id}` : ev.outcome.by.kind) : stored !== null ? (stored.ruleId !== null ? `rule ${stored.ruleId}` : stored.ruleText) : null;
          return { d, target, rule, stored };
        });
        store?.close();
        const shown = rows.filter((r) => (!o.allowed && !o.blocked) || (o.allowed && r.target === 'allow') || (o.blocked && (r.target === 'block' || r.target === 'reject')));
        if (o.json) {
          json({
            functions: shown.map((r) => ({
              bdf: r.d.bdf,
              vendor: hex4(r.d.vendor),
              device: hex4(r.d.device),
              class: hex6(r.d.classCode),
              bridge: r.d.isBridge,
              via: r.d.via,
              hash: r.d.hash,
              parentHash: r.d.parentHash,
              dsn: r.d.dsn,
              caps: r.d.caps === null ? null : [...r.d.caps],
              external: r.d.external,
              group: r.d.group,
              groupSize: r.d.groupSize,
              driver: r.d.driver,
              target: r.target,
              decidedBy: r.rule,
              stored: r.stored === null ? null : { id: r.stored.id, target: r.stored.target, state: r.stored.state, time: r.stored.time },
            })),
          });
          return Promise.resolve();
        }
        for (const r of shown) {
          const indent = '  '.repeat(r.d.via.length);
          out(`${indent}${deviceLine(r.d)}  driver ${termSafe(r.d.driver ?? '-')}  ${r.target ?? 'undecided'}${r.rule !== null ? ` (${termSafe(r.rule)})` : ''}${r.d.groupSize !== null && r.d.groupSize > 1 ? `  group ${r.d.group} ×${r.d.groupSize}` : ''}`);
        }
        return Promise.resolve();
      }),
    );

  agent
    .command('explain')
    .description('which rule decides a device and why: the first failing attribute of every earlier rule, every attribute of the deciding one')
    .argument('<bdf>', 'the function, [DDDD:]BB:DD.F')
    .requiredOption('--rules <paths>', 'rule files or folders, comma-separated or repeated', collectList)
    .option('--sysfs <root>', 'sysfs root', '/')
    .option('--scenario <file>', 'explain against a model platform instead (reference if "reference")')
    .option('--json', 'JSON')
    .addHelpText('after', '\nExamples:\n  dmagate agent explain 03:00.0 --rules /etc/dmagate/rules.d\n  dmagate agent explain 03:00.0 --rules my.rules --scenario reference')
    .action((bdf: string, o: Common & { scenario?: string }) =>
      guarded('agent explain', setExit, async () => {
        const want = bdfArg(bdf);
        const policy = loadPolicy(o.rules ?? []);
        let devs: AgentDevice[];
        let ctx;
        if (o.scenario !== undefined) {
          const base = await basePlatform(o.scenario === 'reference' ? undefined : o.scenario);
          devs = platformDevices(base.platform);
          ctx = { presentAtStart: true, iommu: base.platform.iommu, cmdline: [], tsmPresent: false };
        } else {
          const root = o.sysfs ?? '/';
          const h = hostDevices(root);
          devs = h.devs;
          ctx = hostContext(root, h.host, true);
        }
        const d = devs.find((x) => x.bdf === want);
        if (d === undefined) throw new InputError(`no function ${want} here (present: ${devs.map((x) => x.bdf).join(', ') || 'none'})`);
        const ev = evaluate(policy, d, ctx);
        if (o.json) {
          json({
            device: { bdf: d.bdf, vendor: hex4(d.vendor), device: hex4(d.device), class: hex6(d.classCode), hash: d.hash },
            target: ev.outcome.target,
            decidedBy: ev.outcome.by.kind === 'rule' ? { rule: ev.outcome.by.rule.id, text: ev.outcome.by.rule.text } : ev.outcome.by.kind,
            options: ev.outcome.options,
            rules: ev.trace.map((r) => ({ rule: r.rule.id, text: r.rule.text, matched: r.matched, tests: r.tests })),
            ...(o.scenario === undefined ? { evidence: readEvidence(o.sysfs ?? '/', d) } : {}),
          });
        } else out(explainText(d, ev).join('\n'));
      }),
    );

  registerAct(agent, setExit);

  agent
    .command('generate')
    .description('a policy allowing what is present (bridges by class, hashes on) — review it before use')
    .option('--sysfs <root>', 'sysfs root', '/')
    .option('--no-hash', 'match by id and path only (no measurement)')
    .option('--implicit-target <t>', 'the implicit target line (default block)')
    .addHelpText('after', '\nExamples:\n  dmagate agent generate > /etc/dmagate/rules.d/50-present.rules\n  dmagate agent generate --no-hash')
    .action((o: { sysfs?: string; hash?: boolean; implicitTarget?: string }) =>
      guarded('agent generate', setExit, () => {
        implicitOverride(o.implicitTarget);
        const { devs } = hostDevices(o.sysfs ?? '/');
        out(generatePolicy(devs, { noHash: o.hash === false, implicitTarget: o.implicitTarget }));
        return Promise.resolve();
      }),
    );

  agent
    .command('log')
    .description('the audit trail: who decided what, by which rule, old → new target, result')
    .option('--store <db>', 'decision store', DEFAULT_STORE)
    .option('-n, --last <n>', 'only the last N entries')
    .option('--json', 'JSON')
    .addHelpText('after', '\nExamples:\n  dmagate agent log --last 20\n  dmagate agent log --json --store /tmp/agent.db')
    .action((o: { store?: string; last?: string; json?: boolean }) =>
      guarded('agent log', setExit, () => {
        const path = o.store ?? DEFAULT_STORE;
        if (!existsSync(path)) throw new InputError(`${path}: no agent store`);
        const store = Store.open(path, { lock: false });
        try {
          const entries = store.auditLog(parseCount('--last', o.last));
          if (o.json) json({ entries });
          else
            for (const e of entries)
              out(`${e.time} ${e.result.toUpperCase().padEnd(7)} ${termSafe(e.what).padEnd(13)} ${termSafe(e.bdf ?? '-')} ${e.oldTarget ?? '-'} → ${e.newTarget ?? '-'} ${e.rule !== null ? `[${termSafe(e.rule)}] ` : ''}by ${termSafe(e.who)}${e.detail !== null ? `: ${termSafe(e.detail)}` : ''}`);
        } finally {
          store.close();
        }
        return Promise.resolve();
      }),
    );

  agent
    .command('simulate')
    .description('prove a policy on the model: its decisions become accept/bind/opt-in under boot-dma-security, then every invariant is verified')
    .argument('<rules>', 'rule file or rules.d folder')
    .argument('[scenario]', 'scenario file (default: the built-in reference platform)')
    .option('--variant <v>', `a boot-dma-security variant (default: the scenario's if it is one, else ${DEFAULT_SIM_VARIANT})`)
    .option('--iommu <ids>', `IOMMU platforms, comma-separated or repeated (default: all: ${IOMMU_IDS.join(', ')})`, collectList)
    .option('--passthrough', 'iommu.passthrough=1')
    .option('--cc-guest', 'a confidential-compute guest')
    .option('--invariant <ids>', 'only these invariants: ids or column codes (S1, F2, …), comma-separated or repeated', collectList)
    .option('--max-states <n>', 'state bound')
    .option('--json', 'JSON')
    .addHelpText(
      'after',
      [
        '',
        'Output: the decisions, the agent\'s events, then per IOMMU every invariant\'s verdict with this policy,',
        'sec.unaccepted-no-dma for each device the policy keeps out (alone), and policy findings (a bridge left',
        'without its MSI-using driver: fun.msi-works, D6). Exit 1 when anything is violated.',
        '',
        'Examples:',
        '  dmagate agent simulate my.rules',
        '  dmagate agent simulate /etc/dmagate/rules.d host.yaml --variant boot-dma-security,park=blocked --iommu intel',
      ].join('\n'),
    )
    .action((rules: string, scenario: string | undefined, o: { variant?: string; iommu?: string[]; passthrough?: boolean; ccGuest?: boolean; invariant?: string[]; maxStates?: string; json?: boolean }) =>
      guarded('agent simulate', setExit, async () => {
        const invariants = resolveInvariants(o.invariant);
        const policy: Policy = loadPolicy([rules]);
        const base = await basePlatform(scenario);
        const b = await loadBackend();
        const iommus: IommuId[] = o.iommu === undefined ? [...IOMMU_IDS] : o.iommu.map(parseIommu);
        const variant = o.variant ?? (base.variantText !== undefined && base.variantText.includes('boot-dma-security') ? base.variantText : DEFAULT_SIM_VARIANT);
        const r = simulate({ policy, platform: base.platform, model: b.model, transforms: b.transforms, variant, iommus, passthrough: o.passthrough ?? base.platform.cmdline.passthrough ?? false, ccGuest: o.ccGuest ?? base.platform.ccGuest, invariants, maxStates: parseCount('--max-states', o.maxStates) });
        if (o.json) {
          json({
            policy: policy.digest,
            platform: base.name,
            variant: r.variant,
            passthrough: r.passthrough,
            decisions: r.decisions.map((d) => d.decision),
            events: r.events,
            cells: r.cells.map((c) => ({
              iommu: c.iommu,
              stats: c.stats,
              results: Object.fromEntries(Object.entries(c.results).map(([k, v]) => [k, { verdict: v.verdict, ...(v.trace ? { trace: v.trace.map((e) => `${e.kind}(${e.dev})`) } : {}), ...(v.detail ? { detail: v.detail } : {}), ...(v.why ? { why: v.why } : {}) }])),
              keptOut: Object.fromEntries(Object.entries(c.keptOut).map(([k, v]) => [k, { verdict: v.verdict, ...(v.trace ? { trace: v.trace.map((e) => `${e.kind}(${e.dev})`) } : {}) }])),
              findings: c.findings,
            })),
          });
        } else out(simulateText(r).join('\n'));
        if (simulateFound(r)) setExit(1);
      }),
    );
}
