// `dmagate agent run` and `agent allow|block|reject BDF`: the commands that act (dry run by
// default: they print the plan of sysfs writes; --apply writes, through the store).
import { appendFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { readSysfs } from '../platform/sysfs-reader.js';
import { collectList } from './select.js';
import type { SetExit } from './commands.js';
import { InputError, parseCount } from './options.js';
import { loadPolicy } from '../agent/rules/load.js';
import { TARGETS } from '../agent/rules/ast.js';
import { actOn, runOnce, type DeviceResult } from '../agent/engine.js';
import { manualDecision } from '../agent/decide.js';
import { resultJson, runText } from '../agent/format.js';
import { killSwitchOn, runDaemon, KILL_SWITCH } from '../agent/daemon.js';
import { hex4 } from '../agent/device.js';
import { termSafe } from '../util/term.js';
import { actor, bdfArg, DEFAULT_RULES, DEFAULT_STORE, guarded, hostDevices, implicitOverride, json, openStore, out, type Common } from './agent-common.js';

/** Registers `run` and the manual targets on the `agent` command. */
export function registerAct(agent: Command, setExit: SetExit): void {
  agent
    .command('run')
    .description('decide every device (and follow hot-plug); prints the plan — acts only with --apply')
    .requiredOption('--rules <paths>', 'rule files or folders, comma-separated or repeated', collectList)
    .option('--sysfs <root>', 'sysfs root', '/')
    .option('--store <db>', `decision store (default ${DEFAULT_STORE} with --apply)`)
    .option('--apply', 'carry the plan out (write to sysfs); without it nothing is written')
    .option('--once', 'one pass over the present devices, then exit')
    .option('--poll <ms>', 'poll interval when udevadm is not used')
    .option('--implicit-target <t>', 'override the rules\' implicit target (allow|block|reject)')
    .option('--json', 'JSON (with --once)')
    .addHelpText(
      'after',
      [
        '',
        `Kill switch: "${KILL_SWITCH}" on the kernel command line (ROOT/proc/cmdline): the agent exits at once and writes nothing.`,
        'Hot-plug: udevadm monitor --kernel --subsystem-match=pci when udevadm exists and ROOT is /, else polling.',
        '',
        'Examples:',
        '  dmagate agent run --once --rules /etc/dmagate/rules.d            # dry run: the plan',
        '  dmagate agent run --rules /etc/dmagate/rules.d --apply           # the daemon (contrib/dmagate-agent.service)',
      ].join('\n'),
    )
    .action((o: Common & { apply?: boolean; once?: boolean; poll?: string }) =>
      guarded('agent run', setExit, async () => {
        const root = o.sysfs ?? '/';
        const policy = loadPolicy(o.rules ?? [], implicitOverride(o.implicitTarget));
        const host = readSysfs(root);
        if (killSwitchOn(host.cmdline)) {
          process.stderr.write(`dmagate agent: ${KILL_SWITCH} on the kernel command line: not running, nothing written\n`);
          return;
        }
        if (!host.pciBus) throw new InputError(`${root}: no sys/bus/pci/devices here (pass --sysfs ROOT, the directory that holds sys/)`);
        const store = openStore(o.store, o.apply === true, true);
        const who = actor();
        const results: DeviceResult[] = [];
        try {
          if (o.once === true) {
            const r = runOnce({ root, policy, store, apply: o.apply === true, actor: who });
            results.push(...r.results);
            if (o.json) json({ policy: policy.digest, apply: o.apply === true, autoprobe: r.autoprobe, reconciled: r.reconciled, functions: r.results.map(resultJson) });
            else {
              if (r.autoprobe === 'would-disable') out('plan: write sys/bus/pci/drivers_autoprobe ← "0"   # secure mode: nothing binds until accepted');
              out(runText(r.results, o.apply === true).join('\n'));
              if (o.apply !== true) out('\n(dry run: nothing written; add --apply to act)');
            }
          } else {
            await runDaemon(
              { root, policy, store, apply: o.apply === true, actor: who, pollMs: parseCount('--poll', o.poll), log: (l) => process.stderr.write(l + '\n') },
              (r) => {
                results.push(r);
                out(runText([r], o.apply === true).join('\n'));
              },
            );
          }
        } finally {
          store?.close();
        }
        if (results.some((r) => r.decision.target === 'reject' || r.status === 'failed' || r.status === 'refused-swapped')) setExit(1);
      }),
    );

  for (const target of TARGETS) {
    agent
      .command(target)
      .description(`${target} one device now${target === 'reject' ? ' (remove it)' : ''}; --permanent also writes a rule for it`)
      .argument('<bdf>', 'the function')
      .option('--sysfs <root>', 'sysfs root', '/')
      .option('--store <db>', `decision store (default ${DEFAULT_STORE} with --apply)`)
      .option('--apply', 'act (without it: print the plan)')
      .option('--permanent', `append a device rule (id + hash) to --rules-dir/00-dmagate-permanent.rules (first in lexical order, so it wins)`)
      .option('--rules-dir <dir>', 'the rules.d folder for --permanent', DEFAULT_RULES)
      .option('--json', 'JSON')
      .addHelpText('after', `\nExamples:\n  dmagate agent ${target} 0000:03:00.0            # the plan\n  dmagate agent ${target} 03:00.0 --apply --permanent`)
      .action((bdf: string, o: Common & { apply?: boolean; permanent?: boolean; rulesDir?: string }) =>
        guarded(`agent ${target}`, setExit, () => {
          const root = o.sysfs ?? '/';
          const want = bdfArg(bdf);
          const { devs, iommu } = hostDevices(root);
          const d = devs.find((x) => x.bdf === want);
          if (d === undefined) throw new InputError(`no function ${want} under ${root}`);
          let rule: string | null = null;
          if (o.permanent === true) {
            if (d.hash === null) throw new InputError(`${want}: no measurement (config space not readable in full; run as root): a permanent rule would match by id only — write it by hand if you mean that`);
            rule = `${target} id ${hex4(d.vendor)}:${hex4(d.device)} hash ${d.hash} label "${target} ${want} by ${actor().replace(/"/g, '')}"`;
          }
          const store = openStore(o.store, o.apply === true, true);
          try {
            const r = actOn({ root, policy: { rules: [], settings: { implicitTarget: 'block', presentDevicePolicy: 'apply-policy', bridgePolicy: 'apply-policy' }, files: [], digest: 'manual' }, store, apply: o.apply === true, actor: actor() }, manualDecision(d, target, 'manual'), d, iommu, o.permanent === true);
            if (rule !== null && o.apply === true) {
              const dir = o.rulesDir ?? DEFAULT_RULES;
              if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${dir}: not a rules.d folder`);
              const f = join(dir, '00-dmagate-permanent.rules');
              if (!existsSync(f)) writeFileSync(f, '# Device rules written by `dmagate agent allow|block|reject --permanent`.\n', { mode: 0o600 });
              appendFileSync(f, rule + '\n');
            }
            if (o.json) json({ ...resultJson(r), ...(rule !== null ? { permanentRule: rule } : {}) });
            else {
              out(runText([r], o.apply === true).join('\n'));
              if (rule !== null) out(`${o.apply === true ? 'rule written' : 'rule it would write'}: ${termSafe(rule)}`);
              if (o.apply !== true) out('\n(dry run: nothing written; add --apply to act)');
            }
            if (r.status === 'failed' || r.status === 'refused-swapped' || target === 'reject') setExit(1);
          } finally {
            store?.close();
          }
          return Promise.resolve();
        }),
      );
  }
}
