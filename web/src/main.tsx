// The dmagate explorer: one page, five views (Matrix, Cell, Topology, Timeline, Host),
// hash-routed so a view is a link. The page's data comes inlined (`report --html`) or from
// the server's /api/scenario (`dmagate serve`); everything else is computed here.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PagePayload } from '../../src/web/payload.js';
import { load } from './engine.js';
import type { Loaded } from './engine.js';
import { MatrixStore } from './store.js';
import { MatrixView } from './views/Matrix.js';
import { CellView } from './views/Cell.js';
import { TopologyView } from './views/Topology.js';
import { TimelineView, TimelineStore } from './views/Timeline.js';
import { HostView } from './views/Host.js';
import { parseRoute, routeHref } from './route.js';
import type { Route } from './route.js';
import './style.css';

declare global {
  interface Window {
    /** Timings and state for tests and bench/web-bench.ts. */
    __dmagate?: { matrixMs?: number; matrixDone?: boolean; cells?: number; firstGridMs?: number };
  }
}

async function payload(): Promise<PagePayload> {
  const el = document.getElementById('dmagate-data');
  if (el !== null && el.textContent !== null && el.textContent.trim() !== '') return JSON.parse(el.textContent) as PagePayload;
  const r = await fetch('./api/scenario', { headers: { accept: 'application/json' } });
  if (!r.ok) throw new Error(`GET /api/scenario: ${r.status} ${r.statusText}`);
  return (await r.json()) as PagePayload;
}

const TABS: readonly [Route['view'], string][] = [
  ['matrix', 'Matrix'],
  ['cell', 'Cell'],
  ['topology', 'Topology'],
  ['timeline', 'Timeline'],
  ['host', 'Host'],
];

function App({ l, store, timeline }: { l: Loaded; store: MatrixStore; timeline: TimelineStore }) {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash, l));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash, l));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const p = l.payload;
  return (
    <div class="app">
      <header>
        <h1>dmagate</h1>
        <span class="sub">
          platform <b>{p.scenario.name}</b>
          {p.scenario.file !== null ? ` (${p.scenario.file})` : ' (built-in reference)'} · {l.platform.devices.length} devices
          {p.mode === 'report' ? ` · report written ${p.generated ?? ''}` : ''}
        </span>
        <nav>
          {TABS.map(([v, label]) => (
            <a href={routeHref(v === 'cell' && route.view !== 'cell' ? { ...route, view: 'cell' } : { ...route, view: v })} class={route.view === v ? 'tab on' : 'tab'} data-tab={v}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main data-view={route.view}>
        {route.view === 'matrix' && <MatrixView l={l} store={store} route={route} />}
        {route.view === 'cell' && <CellView l={l} store={store} route={route} />}
        {route.view === 'topology' && <TopologyView l={l} timeline={timeline} route={route} />}
        {route.view === 'timeline' && <TimelineView l={l} timeline={timeline} route={route} />}
        {route.view === 'host' && <HostView l={l} />}
      </main>
    </div>
  );
}

async function boot(): Promise<void> {
  const root = document.getElementById('app')!;
  try {
    const l = load(await payload());
    const store = new MatrixStore(l);
    const timeline = new TimelineStore(l);
    render(<App l={l} store={store} timeline={timeline} />, root);
  } catch (e) {
    root.textContent = `dmagate explorer: ${e instanceof Error ? e.message : String(e)}`;
    root.className = 'fatal';
  }
}

void boot();
