// Topology: root ports → bridges → endpoints / VFs, drawn as an indented tree per root port,
// IOMMU groups (pci_device_group over the platform, R3.1–R3.6) as boxes around their members,
// per-device badges at the selected step of the Timeline's events: domain type, ATS, PASID,
// untrusted / external-facing, CXL.cache, driver, MSI.
import type { Loaded, TimelineRun } from '../engine.js';
import type { Route } from '../route.js';
import type { TimelineStore } from './Timeline.js';
import { StepSlider, obsAt, stepOf } from './Timeline.js';
import { CellPicker } from './CellPicker.js';
import { routeHref } from '../route.js';

interface Node {
  name: string;
  depth: number;
}

/** Depth-first order under each root (parents before children; VFs under their PF). */
function forest(t: TimelineRun): Node[][] {
  const devs = t.platform.devices;
  const kids = new Map<string | null, string[]>();
  for (const d of devs) {
    const up = d.physfn ?? d.parent;
    kids.set(up, [...(kids.get(up) ?? []), d.name]);
  }
  const out: Node[][] = [];
  const walk = (n: string, depth: number, acc: Node[]): void => {
    acc.push({ name: n, depth });
    for (const c of kids.get(n) ?? []) walk(c, depth + 1, acc);
  };
  for (const r of kids.get(null) ?? []) {
    const acc: Node[] = [];
    walk(r, 0, acc);
    out.push(acc);
  }
  return out;
}

/** Consecutive runs of one IOMMU group: each run becomes one box. */
function runs(nodes: Node[], groupOf: Readonly<Record<string, string>>): { group: string; nodes: Node[] }[] {
  const out: { group: string; nodes: Node[] }[] = [];
  for (const n of nodes) {
    const g = groupOf[n.name] ?? '?';
    const last = out[out.length - 1];
    if (last !== undefined && last.group === g) last.nodes.push(n);
    else out.push({ group: g, nodes: [n] });
  }
  return out;
}

export function TopologyView({ l, timeline, route }: { l: Loaded; timeline: TimelineStore; route: Route }) {
  let t: TimelineRun;
  try {
    t = timeline.run(route);
  } catch (e) {
    return (
      <section class="topology">
        <CellPicker l={l} route={route} />
        <p class="error">{e instanceof Error ? e.message : String(e)}</p>
      </section>
    );
  }
  const n = stepOf(t, route);
  const obs = obsAt(t, n);
  const desc = new Map(t.platform.devices.map((d) => [d.name, d]));
  const groups = t.groups;
  // The kernel numbers groups as the IOMMU probes devices (iommu_group_alloc), so a group's
  // id is the observed one once a member is probed; before that it has none yet.
  const groupLabel = (g: string, nodes: Node[]): string => {
    const live = nodes.map((nd) => obs.devices[nd.name]?.group).find((x) => x !== null && x !== undefined);
    const size = groups.members[g]?.length ?? 0;
    return `IOMMU group ${live ?? '(not allocated yet)'}${size > 1 ? ` · ${size} members` : ''}`;
  };
  return (
    <section class="topology">
      <CellPicker l={l} route={route} />
      <StepSlider t={t} route={route} />
      <p class="note">
        State after the <a href={routeHref({ ...route, view: 'timeline' })}>Timeline</a>'s events up to the chosen step. Dashed boxes: IOMMU groups as the IOMMU core forms them (pci_device_group; one domain per group).
      </p>
      <div class="forest">
        {forest(t).map((tree) => (
          <div class="tree" data-root={tree[0].name}>
            {runs(tree, groups.groupOf).map((run) => (
              <div class="group" data-group={run.group} title={`IOMMU group ${run.group}: ${(groups.members[run.group] ?? []).join(', ')}`}>
                <span class="glabel">{groupLabel(run.group, run.nodes)}</span>
                {run.nodes.map((nd) => {
                  const o = obs.devices[nd.name];
                  const d = desc.get(nd.name)!;
                  const kind = o.isVf ? 'VF' : o.isBridge ? (d.parent === null ? 'root port' : 'bridge') : 'endpoint';
                  return (
                    <div class={`dev${o.present ? '' : ' absent'}`} data-device={nd.name} style={{ marginLeft: `${nd.depth * 18}px` }}>
                      <div class="dname">
                        <b>{nd.name}</b> <span class="bdf">{d.bdf}</span> <span class="kind">{kind}</span>
                      </div>
                      <div class="badges">
                        {!o.present ? (
                          <span class="b off">not enumerated</span>
                        ) : (
                          <>
                            <span class={`b dom-${o.domain}`} data-badge="domain">
                              {o.domain}
                            </span>
                            <span class={`b ${o.atsEnabled ? 'on' : 'off'}`} data-badge="ats">
                              ATS {o.atsEnabled ? 'on' : 'off'}
                              {o.translatedAccepted ? ' · Translated ok' : ''}
                            </span>
                            {(o.pciPasidEnabled || o.pasidsAttached > 0) && (
                              <span class="b on" data-badge="pasid">
                                PASID{o.pasidsAttached > 0 ? ` ×${o.pasidsAttached}` : ' on'}
                              </span>
                            )}
                            <span class="b" data-badge="driver">
                              {o.driver ?? 'no driver'}
                            </span>
                            {o.msi !== 'n/a' && (
                              <span class={`b ${o.msi === 'works' ? 'on' : 'bad'}`} data-badge="msi">
                                MSI {o.msi}
                              </span>
                            )}
                          </>
                        )}
                        {o.untrusted && (
                          <span class="b warn" data-badge="untrusted">
                            untrusted
                          </span>
                        )}
                        {d.externalFacing && (
                          <span class="b warn" data-badge="external">
                            external-facing
                          </span>
                        )}
                        {o.cxlCache && (
                          <span class="b cxl" data-badge="cxl">
                            CXL.cache
                          </span>
                        )}
                        {o.requireDirect && (
                          <span class="b" data-badge="rmr">
                            require_direct
                          </span>
                        )}
                      </div>
                    </div>
                  );
                })}
              </div>
            ))}
          </div>
        ))}
      </div>
    </section>
  );
}
