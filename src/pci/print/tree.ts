// `lspci -t` (pciutils 3.9.0 ls-tree.c grow_tree / show_forest): the bus tree built from the
// bridges' bus numbers (type 1 secondary/subordinate, CardBus card/subordinate bus). The tree is
// built from every function; with a filter (-s/-d), functions that do not match are left out,
// and so are buses and bridges with no matching function below them (measured against 3.9.0).
import { formatBdf } from '../bdf.js';
import type { Bdf } from '../types.js';
import type { PciNames } from '../names/pci-ids.js';
import { h2, h4 } from './fmt.js';

export interface TreeNode {
  readonly bdf: Bdf;
  readonly vendor: number;
  readonly device: number;
  /** Class word (base << 8 | sub) and header type (low 7 bits), for bridge detection. */
  readonly cls: number;
  readonly headerType: number;
  /** Bus numbers read from the bridge's registers. */
  readonly primary: number;
  readonly secondary: number;
  readonly subordinate: number;
  /** Matches the -s/-d filter (true when there is none). */
  readonly match: boolean;
}

interface Bus {
  readonly domain: number;
  readonly number: number;
  readonly devs: Dev[];
}
interface Bridge {
  readonly domain: number;
  readonly primary: number;
  readonly secondary: number;
  readonly subordinate: number;
  readonly dev: Dev | null;
  readonly buses: Bus[];
  readonly children: Bridge[];
}
interface Dev {
  readonly n: TreeNode;
  bridge: Bridge | null;
}

const U32 = 0xffffffff;

/** Lines of `lspci -t[v]` for functions sorted by (domain, bus, dev, fn). */
export function treeText(nodes: readonly TreeNode[], verbose: number, names: PciNames | undefined, filtered: boolean): string {
  const host: Bridge = { domain: 0, primary: U32, secondary: 0, subordinate: U32, dev: null, buses: [], children: [] };
  const devs: Dev[] = nodes.map((n) => ({ n, bridge: null }));
  const chain: Bridge[] = [host];
  for (const d of devs) {
    const ht = d.n.headerType;
    if (d.n.cls >> 8 === 0x06 && (ht === 1 || ht === 2)) {
      const b: Bridge = { domain: d.n.bdf.domain, primary: d.n.primary, secondary: d.n.secondary, subordinate: d.n.subordinate, dev: d, buses: [], children: [] };
      d.bridge = b;
      chain.push(b);
    }
  }
  // Bridge tree: the parent is the narrowest bridge whose bus range holds the primary bus.
  for (const b of chain) {
    let best: Bridge | null = null;
    for (const c of chain) {
      if (c !== b && (c === host || b.domain === c.domain) && b.primary >= c.secondary && b.primary <= c.subordinate && (!best || best.subordinate - best.primary > c.subordinate - c.primary)) best = c;
    }
    // children are prepended (b->next = best->child): later bridges are tried first
    if (best) best.children.unshift(b);
  }
  const findBus = (b: Bridge, domain: number, n: number): Bus | undefined => b.buses.find((u) => u.domain === domain && u.number === n);
  const newBus = (b: Bridge, domain: number, n: number): Bus => {
    const u: Bus = { domain, number: n, devs: [] };
    b.buses.push(u);
    return u;
  };
  for (const b of chain) if (!findBus(b, b.domain, b.secondary)) newBus(b, b.domain, b.secondary);
  const insert = (d: Dev, b: Bridge): void => {
    const { domain, bus } = d.n.bdf;
    let u = findBus(b, domain, bus);
    if (!u) {
      for (const c of b.children) {
        if (c.domain === domain && c.secondary <= bus && bus <= c.subordinate) return insert(d, c);
      }
      u = newBus(b, domain, bus);
    }
    u.devs.push(d);
  };
  for (const d of devs) insert(d, host);

  const devOk = (f: boolean, d: Dev): boolean => !f || d.n.match || (d.bridge !== null && d.bridge.buses.some((u) => busOk(f, u)));
  const busOk = (f: boolean, u: Bus): boolean => !f || u.devs.some((d) => devOk(f, d));

  // The C code writes into one line buffer at a position and prints it (print_it), after which
  // the printed part becomes the continuation prefix ('+' and '|' turn into '|', the rest blank).
  const out: string[] = [];
  let buf = '';
  const write = (pos: number, t: string): number => {
    buf = buf.slice(0, pos).padEnd(pos, ' ') + t;
    return pos + t.length;
  };
  const printIt = (pos: number): void => {
    const shown = buf.slice(0, pos);
    out.push(shown + '\n');
    buf = shown.replace(/[^+|]/g, ' ').replace(/\+/g, '|') + ' ';
  };
  const showDev = (f: boolean, d: Dev, p: number): void => {
    p = write(p, `${h2(d.n.bdf.dev)}.${d.n.bdf.fn.toString(16)}`);
    if (d.bridge) {
      const b = d.bridge;
      p = write(p, b.secondary === b.subordinate ? `-[${h2(b.secondary)}]-` : `-[${h2(b.secondary)}-${h2(b.subordinate)}]-`);
      // 3.9 filters below a matching bridge too (later pciutils show its whole subtree)
      return showBridge(f, b, p);
    }
    if (verbose) p = write(p, '  ' + (names ? names.vendorDevice(d.n.vendor, d.n.device, 256) : `${h4(d.n.vendor)}:${h4(d.n.device)}`));
    printIt(p);
  };
  const showBus = (f: boolean, u: Bus, p: number): void => {
    if (!u.devs.length) return printIt(p);
    if (u.devs.length === 1) {
      if (!devOk(f, u.devs[0])) return printIt(p);
      return showDev(f, u.devs[0], write(p, '--'));
    }
    let any = false;
    u.devs.forEach((d, i) => {
      if (!devOk(f, d)) return;
      any = true;
      showDev(f, d, write(p, i === u.devs.length - 1 ? '\\-' : '+-'));
    });
    if (!any) printIt(p);
  };
  const showBridge = (f: boolean, b: Bridge, p: number): void => {
    p = write(p, '-');
    if (b.buses.length === 1) {
      if (!busOk(f, b.buses[0])) return printIt(p);
      if (b === host) p = write(p, `[${h4(b.buses[0].domain)}:${h2(b.buses[0].number)}]-`);
      return showBus(f, b.buses[0], p);
    }
    let any = false;
    b.buses.forEach((u, i) => {
      if (!busOk(f, u)) return;
      any = true;
      showBus(f, u, write(p, `${i === b.buses.length - 1 ? '\\-' : '+-'}[${h4(u.domain)}:${h2(u.number)}]-`));
    });
    if (!any) printIt(p);
  };
  showBridge(filtered, host, 0);
  return out.join('');
}

/** For tests and JSON: the BDF as the tree prints it. */
export const treeBdf = (b: Bdf): string => formatBdf(b, true);
