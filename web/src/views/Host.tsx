// Host: the serving machine's `dmagate audit` (read-only, GET /api/audit) — findings, IOMMU
// groups, ATS/PASID/PRI state — and a placeholder for the acceptance agent's decisions
// (GET /api/agent, answered once `dmagate agent` exists; 404 until then).
import { useEffect, useState } from 'preact/hooks';
import type { Loaded } from '../engine.js';
import type { AuditReport, CapState } from '../../../src/platform/sysfs-audit.js';

type Load<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'absent'; why: string };

function useJson<T>(url: string, enabled: boolean): Load<T> {
  const [s, set] = useState<Load<T>>(enabled ? { state: 'loading' } : { state: 'absent', why: 'not served' });
  useEffect(() => {
    if (!enabled) return;
    fetch(url, { headers: { accept: 'application/json' } })
      .then(async (r) => (r.ok ? set({ state: 'ok', data: (await r.json()) as T }) : set({ state: 'absent', why: `${r.status} ${(await r.text()).slice(0, 200)}` })))
      .catch((e: unknown) => set({ state: 'absent', why: String(e) }));
  }, [url]);
  return s;
}

const cap = (c: CapState): string => (c.present === null ? '?' : !c.present ? '-' : c.enabled ? 'ON' : 'off');

export function HostView({ l }: { l: Loaded }) {
  const served = l.payload.hostApi;
  const audit = useJson<AuditReport>('./api/audit', served);
  const agent = useJson<unknown>('./api/agent', served);
  return (
    <section class="host">
      <h2>This host (dmagate audit, read-only)</h2>
      {!served && <p class="note" data-testid="host-absent">A report file has no host: run <code>dmagate serve</code> on the machine to see its audit here.</p>}
      {served && audit.state === 'loading' && <p>reading sysfs…</p>}
      {served && audit.state === 'absent' && <p class="note" data-testid="host-absent">No audit: {audit.why}</p>}
      {audit.state === 'ok' && <Audit rep={audit.data} />}
      <h2>Acceptance agent</h2>
      <div class="placeholder" data-testid="agent-placeholder">
        <b>Placeholder.</b> The userspace acceptance agent (<code>dmagate agent</code>) is not built yet. Once it exists this panel shows its accept/refuse decisions with their explanations, read from{' '}
        <code>GET /api/agent</code>.{' '}
        {agent.state === 'ok' ? <pre data-testid="agent-json">{JSON.stringify(agent.data, null, 2)}</pre> : <span>({agent.state === 'absent' ? `now: ${agent.why}` : 'asking…'})</span>}
      </div>
    </section>
  );
}

function Audit({ rep }: { rep: AuditReport }) {
  return (
    <div data-testid="audit">
      <p>
        root <code>{rep.root}</code> · IOMMU: {rep.iommu.summary} · kernel command line: {rep.cmdline.raw === null ? 'not available' : rep.cmdline.noats ? 'pci=noats' : 'no pci=noats'}
      </p>
      <h3>Findings ({rep.findings.length})</h3>
      {rep.findings.length === 0 ? (
        <p>none</p>
      ) : (
        <table class="findings">
          <tbody>
            {rep.findings.map((f) => (
              <tr class={`sev-${f.severity}`}>
                <td>{f.severity}</td>
                <td>
                  <code>{f.id}</code>
                </td>
                <td>{f.rule}</td>
                <td>{f.device ?? (f.group !== undefined ? `group ${f.group}` : 'host')}</td>
                <td>{f.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>
        PCI functions ({rep.functions.length}) and IOMMU groups ({rep.groups.length})
      </h3>
      <table class="functions">
        <thead>
          <tr>
            <th>BDF</th>
            <th>id</th>
            <th>kind</th>
            <th>driver</th>
            <th>group:type</th>
            <th>ATS</th>
            <th>PASID</th>
            <th>PRI</th>
            <th>CXL</th>
            <th>removable</th>
          </tr>
        </thead>
        <tbody>
          {rep.functions.map((f) => (
            <tr>
              <td>
                {f.name}
                {f.isVf ? '*' : ''}
              </td>
              <td>{f.id ?? '?'}</td>
              <td>{f.kind}</td>
              <td>{f.driver ?? '-'}</td>
              <td>{f.group === null ? '-' : `${f.group}:${f.groupType ?? '?'}`}</td>
              <td>{cap(f.ats)}</td>
              <td>{cap(f.pasid)}</td>
              <td>{cap(f.pri)}</td>
              <td>{f.cxl ? [f.cxl.cache && 'cache', f.cxl.mem && 'mem', f.cxl.io && 'io'].filter(Boolean).join('+') : '-'}</td>
              <td>
                {f.removable ?? '-'}
                {f.untrustedApprox ? ' (untrusted?)' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
