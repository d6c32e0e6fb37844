// Splits lspci -vvv text into devices and capability blocks, to compare two outputs block by
// block (the oracle is lspci's own text; nothing here knows our printer).

export interface CapBlock {
  /** e.g. '100' or '40'. */
  readonly offset: string;
  /** Text after `] ` on the title line. */
  readonly title: string;
  /** Title line plus the body lines (two or more tabs), newline-joined. */
  readonly text: string;
}

export interface DeviceBlocks {
  /** BDF as printed, plus `#n` for the n-th repeat of the same address. */
  readonly key: string;
  readonly firstLine: string;
  readonly caps: CapBlock[];
}

/** Kinds whose whole block must match lspci 3.9.0 byte for byte. */
export const FULL_BLOCK_KINDS: readonly [string, string][] = [
  ['ATS', 'Address Translation Service (ATS)'],
  ['PASID', 'Process Address Space ID (PASID)'],
  ['PRI', 'Page Request Interface (PRI)'],
  ['SR-IOV', 'Single Root I/O Virtualization (SR-IOV)'],
  ['ACS', 'Access Control Services'],
  ['DSN', 'Device Serial Number'],
  ['DVSEC', 'Designated Vendor-Specific'],
  ['Express', 'Express '],
  ['MSI', 'MSI: '],
  ['MSI-X', 'MSI-X: '],
  ['PM', 'Power Management version'],
  ['AER', 'Advanced Error Reporting'],
  ['AF', 'PCI Advanced Features'],
];

/** A FULL_BLOCK_KINDS kind, or null. */
export function blockKind(title: string): string | null {
  for (const [k, prefix] of FULL_BLOCK_KINDS) if (title.startsWith(prefix)) return k;
  return null;
}

export function splitLspci(text: string): DeviceBlocks[] {
  const devices: { key: string; firstLine: string; caps: CapBlock[] }[] = [];
  const seen = new Map<string, number>();
  let cur: { key: string; firstLine: string; caps: CapBlock[] } | null = null;
  let block: { offset: string; title: string; lines: string[] } | null = null;
  const flush = (): void => {
    if (cur && block) cur.caps.push({ offset: block.offset, title: block.title, text: block.lines.join('\n') });
    block = null;
  };
  for (const line of text.split('\n')) {
    if (line === '') {
      flush();
      continue;
    }
    if (!line.startsWith('\t')) {
      flush();
      const bdf = line.split(' ')[0];
      const n = seen.get(bdf) ?? 0;
      seen.set(bdf, n + 1);
      cur = { key: n ? `${bdf}#${n}` : bdf, firstLine: line, caps: [] };
      devices.push(cur);
      continue;
    }
    const m = /^\tCapabilities: \[([0-9a-f]+)(?: v\d+)?\] (.*)$/.exec(line);
    if (m) {
      flush();
      block = { offset: m[1], title: m[2], lines: [line] };
      continue;
    }
    if (line.startsWith('\t\t') && block) block.lines.push(line);
    else flush();
  }
  flush();
  return devices;
}

export interface Mismatch {
  readonly device: string;
  readonly offset: string;
  readonly kind: string;
  readonly expected: string;
  readonly actual: string;
}

export interface Comparison {
  readonly compared: number;
  readonly matched: number;
  readonly byKind: Record<string, { compared: number; matched: number }>;
  readonly mismatches: Mismatch[];
}

/** Compare the blocks of interest of `expected` (lspci) with `actual` (ours). */
export function compareLspci(expected: string, actual: string): Comparison {
  const act = new Map(splitLspci(actual).map((d) => [d.key, d]));
  const byKind: Record<string, { compared: number; matched: number }> = {};
  const mismatches: Mismatch[] = [];
  let compared = 0;
  let matched = 0;
  for (const d of splitLspci(expected)) {
    const ours = act.get(d.key);
    for (const b of d.caps) {
      const kind = blockKind(b.title);
      if (!kind) continue;
      const k = (byKind[kind] ??= { compared: 0, matched: 0 });
      k.compared++;
      compared++;
      const o = ours?.caps.find((c) => c.offset === b.offset);
      const want = b.text;
      const got = o ? o.text : '<missing>';
      if (want === got) {
        k.matched++;
        matched++;
      } else mismatches.push({ device: d.key, offset: b.offset, kind, expected: want, actual: got });
    }
  }
  return { compared, matched, byKind, mismatches };
}

/** lspci text without the body lines of capability blocks and without capability title lines
 * (what our printer promises to reproduce for every line: device line and header lines). */
export function outsideCaps(text: string): string[] {
  const out: string[] = [];
  let inCap = false;
  for (const l of text.split('\n')) {
    if (l.startsWith('\tCapabilities:')) {
      inCap = true;
      continue;
    }
    if (inCap && l.startsWith('\t\t')) continue;
    inCap = false;
    out.push(l);
  }
  return out;
}

/** Title lines of every capability (blocks of any kind): `compared`, and the ones that differ. */
export function compareTitles(expected: string, actual: string): { compared: number; mismatches: Mismatch[] } {
  const act = new Map(splitLspci(actual).map((d) => [d.key, d]));
  const mismatches: Mismatch[] = [];
  let compared = 0;
  for (const d of splitLspci(expected)) {
    const ours = act.get(d.key);
    for (const b of d.caps) {
      compared++;
      const want = b.text.split('\n')[0];
      const got = ours?.caps.find((c) => c.offset === b.offset)?.text.split('\n')[0] ?? '<missing>';
      if (want !== got) mismatches.push({ device: d.key, offset: b.offset, kind: 'title', expected: want, actual: got });
    }
  }
  return { compared, mismatches };
}
