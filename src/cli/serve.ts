// `dmagate serve [SCENARIO]`: the web explorer on http://127.0.0.1:PORT/ — matrix,
// counterexamples, topology, timeline computed in the browser; the host's audit read-only.
import type { Command } from 'commander';
import { IOMMU_IDS } from '../kernel/platform.js';
import { auditHost } from '../platform/sysfs-audit.js';
import { readSysfs } from '../platform/sysfs-reader.js';
import { buildPayload } from '../web/payload.js';
import { assetsDir, defaultCombinationLines, docsDir, pageScenario } from '../web/page.js';
import { createDmagateServer, isLoopback, listen } from '../web/server.js';
import type { SetExit } from './commands.js';
import { guarded, InputError } from './options.js';

interface ServeOpts {
  port?: string;
  host?: string;
  allowRemote?: boolean;
  sysfs?: string;
}

export const DEFAULT_PORT = 8470;

function parsePort(s: string | undefined): number {
  if (s === undefined) return DEFAULT_PORT;
  if (!/^[0-9]+$/.test(s) || Number(s) > 65535) throw new InputError(`--port wants 0..65535, got "${s}"`);
  return Number(s);
}

export function register(program: Command, setExit: SetExit): void {
  program
    .command('serve')
    .description('the web explorer (matrix, counterexamples as sequence diagrams, topology, timeline, host audit) on a local port')
    .argument('[scenario]', 'scenario file (YAML); default: the built-in reference platform')
    .option('--port <n>', `TCP port (0: any free port; default ${DEFAULT_PORT})`)
    .option('--host <h>', 'address to bind (default 127.0.0.1; a non-loopback address needs --allow-remote)')
    .option('--allow-remote', 'allow binding a non-loopback address (the page and the host audit become reachable from the network)')
    .option('--sysfs <root>', 'audit this sysfs root on the Host view instead of / (read-only)')
    .addHelpText(
      'after',
      [
        '',
        'Serves the built page (web-dist/), GET /api/scenario (the scenario as JSON), /api/audit',
        '(`dmagate audit --json` of this host, read-only; Linux only) and /docs/*.md. The browser',
        'runs the kernel model and the verifier itself. Read-only: GET/HEAD only, no request',
        'bodies, limited URL/header size and request rate. Ctrl-C stops it.',
        'Exit status: 0 after a clean stop, 2 on bad input or when the port cannot be bound',
        '(e.g. in use).',
        '',
        'Examples:',
        '  dmagate serve                      # http://127.0.0.1:' + DEFAULT_PORT + '/',
        '  dmagate serve my-machine.yaml --port 9000',
        '  dmagate serve --host 0.0.0.0 --allow-remote   # on purpose, with a warning',
      ].join('\n'),
    )
    .action((file: string | undefined, o: ServeOpts) =>
      guarded('serve', setExit, async () => {
        const port = parsePort(o.port);
        const host = o.host ?? '127.0.0.1';
        const loopback = isLoopback(host);
        if (!loopback && o.allowRemote !== true) throw new InputError(`--host ${host} is not a loopback address; add --allow-remote to serve it to the network on purpose`);
        const sc = pageScenario(file);
        const assets = assetsDir();
        const payload = buildPayload({
          mode: 'serve',
          name: sc.name,
          file: sc.file,
          platform: sc.platform,
          variantText: sc.variantText,
          events: sc.events,
          combinations: defaultCombinationLines(),
          iommus: [...IOMMU_IDS],
          docsBase: '/docs/',
        });
        const root = o.sysfs ?? '/';
        let cached: { at: number; json: string } | undefined;
        const server = createDmagateServer({
          assetsDir: assets,
          docsDir: docsDir(),
          scenarioJson: JSON.stringify(payload),
          loopbackOnly: loopback,
          audit: () => {
            if (process.platform !== 'linux' && o.sysfs === undefined) return { missing: `not Linux (${process.platform}): no sysfs to audit` };
            if (cached === undefined || Date.now() - cached.at > 5000) {
              const rep = auditHost(readSysfs(root));
              cached = { at: Date.now(), json: JSON.stringify(rep, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) };
            }
            return { json: cached.json };
          },
        });
        let addr;
        try {
          addr = await listen(server, port, host);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EADDRINUSE') throw new InputError(`port ${port} on ${host} is in use (EADDRINUSE); stop the other server or choose another with --port`);
          if (code === 'EACCES') throw new InputError(`cannot bind ${host}:${port}: permission denied (EACCES); choose a port above 1023`);
          if (code === 'EADDRNOTAVAIL') throw new InputError(`cannot bind ${host}: no such local address (EADDRNOTAVAIL)`);
          throw e;
        }
        if (!loopback) process.stderr.write(`dmagate serve: WARNING: listening on ${host}, reachable from the network: anyone who can connect sees this host's audit (PCI devices, IOMMU groups, findings)\n`);
        const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
        process.stdout.write(`dmagate serve: http://${shown}:${addr.port}/ (read-only; Ctrl-C stops)\n`);
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            server.close(() => resolve());
            server.closeAllConnections();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      }),
    );
}
