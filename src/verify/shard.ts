// Sharding the matrix for batch engines (docs/batch.md): `matrix --shard I/N` runs the I-th of
// N contiguous slices of the cell list (1 ≤ I ≤ N, as in jest/playwright), and `matrix merge`
// puts the shards' JSON back into the one document the unsharded `matrix --json` prints.
// dmagate schedules nothing: a Kubernetes Indexed Job, a Slurm array or GNU parallel runs the
// N processes. Contiguous slices keep cells of one IOMMU together, so each shard still shares
// part explorations between its cells (./part-memo.ts).

import { createHash } from 'node:crypto';
import type { Platform } from '../kernel/platform.js';
import { InputError } from '../util/errors.js';
import type { CellOptions, CellSpec, JsonCell } from './matrix.js';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** "I/N" with 1 ≤ I ≤ N. */
export function parseShard(text: string): Shard {
  const m = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(text.trim());
  if (m === null) throw new InputError(`--shard wants I/N (1 ≤ I ≤ N, e.g. 2/8), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (index > count) throw new InputError(`--shard ${text}: the shard number ${index} is larger than the shard count ${count}`);
  return { index, count };
}

/** The half-open range [first, end) of cell indices shard `s` runs: N near-equal contiguous slices. */
export function shardRange(total: number, s: Shard): { first: number; end: number } {
  return { first: Math.floor(((s.index - 1) * total) / s.count), end: Math.floor((s.index * total) / s.count) };
}

/** Identifies the whole job (platform, cell list, options), so that shards of different jobs
 * are never merged. */
export function jobId(platform: Platform, cells: readonly CellSpec[], o: CellOptions): string {
  const text = JSON.stringify({ platform, cells, o }, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export interface ShardInfo {
  readonly index: number;
  readonly count: number;
  /** Cells in the whole job, and the first one of this shard (0-based, in report order). */
  readonly total: number;
  readonly first: number;
  readonly job: string;
}

export interface ShardDoc {
  platform: string;
  shard: ShardInfo;
  cells: JsonCell[];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks one parsed shard file; `name` is for messages. */
function asShard(x: unknown, name: string): ShardDoc {
  if (!isRecord(x)) throw new InputError(`${name}: not a matrix shard (expected a JSON object)`);
  const s = x.shard;
  if (!isRecord(s)) throw new InputError(`${name}: no "shard" object — is it the output of \`dmagate matrix --shard I/N --json\`?`);
  for (const k of ['index', 'count', 'total', 'first'] as const) {
    if (!Number.isInteger(s[k]) || (s[k] as number) < 0) throw new InputError(`${name}: shard.${k} must be a non-negative integer`);
  }
  if (typeof s.job !== 'string') throw new InputError(`${name}: shard.job must be a string`);
  if (typeof x.platform !== 'string') throw new InputError(`${name}: "platform" must be a string`);
  if (!Array.isArray(x.cells)) throw new InputError(`${name}: "cells" must be a list`);
  return x as unknown as ShardDoc;
}

/** The unsharded document from every shard of one job (in any order). */
export function mergeShards(docs: readonly { name: string; value: unknown }[]): { platform: string; cells: JsonCell[] } {
  if (docs.length === 0) throw new InputError('merge needs the shard files (the JSON of `matrix --shard I/N --json`)');
  const shards = docs.map((d) => ({ name: d.name, doc: asShard(d.value, d.name) }));
  const head = shards[0];
  const { count, total, job } = head.doc.shard;
  const byIndex = new Map<number, (typeof shards)[number]>();
  for (const s of shards) {
    const i = s.doc.shard;
    if (i.job !== job || i.count !== count || i.total !== total || s.doc.platform !== head.doc.platform) {
      throw new InputError(`${s.name} is a shard of another job than ${head.name} (platform, cells, options or shard count differ)`);
    }
    const dup = byIndex.get(i.index);
    if (dup !== undefined) throw new InputError(`${s.name} and ${dup.name} are both shard ${i.index}/${count}`);
    byIndex.set(i.index, s);
  }
  const missing: number[] = [];
  for (let i = 1; i <= count; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0) throw new InputError(`missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}`);
  const cells: JsonCell[] = [];
  for (let i = 1; i <= count; i++) {
    const s = byIndex.get(i)!;
    const want = shardRange(total, { index: i, count });
    if (s.doc.shard.first !== want.first || s.doc.cells.length !== want.end - want.first) {
      throw new InputError(`${s.name}: shard ${i}/${count} should hold cells ${want.first}–${want.end - 1} of ${total}, holds ${s.doc.cells.length} from ${s.doc.shard.first}`);
    }
    cells.push(...s.doc.cells);
  }
  return { platform: head.doc.platform, cells };
}
