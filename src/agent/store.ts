// The agent's durable store: SQLite (better-sqlite3 12) in WAL mode, schema migrations by
// PRAGMA user_version, decisions with their state, and an append-only audit table (triggers
// refuse UPDATE and DELETE). A decision is committed before its first sysfs write and its
// outcome after the last (engine.ts); `reconcile` settles decisions a crash left open.
// One agent per store: a lock file beside the database holds the owner's pid.
//
// Durability: WAL with synchronous=NORMAL. A committed transaction survives a crash of the
// process (SIGKILL included: the WAL is in the OS page cache); a power loss may drop the
// last transactions but never corrupts the database — and a power loss also undoes every
// sysfs write (the machine reboots), so no device can stay bound on a lost decision.
import Database from 'better-sqlite3';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { InputError } from '../util/errors.js';
import type { Decision } from './decide.js';
import type { Verdict } from './rules/evaluate.js';

type DB = Database.Database;

const MIGRATIONS: readonly string[] = [
  // 1: decisions and the audit trail
  `CREATE TABLE decisions (
     id INTEGER PRIMARY KEY,
     bdf TEXT NOT NULL, name TEXT, vendor TEXT, device TEXT, class TEXT, hash TEXT,
     target TEXT NOT NULL CHECK (target IN ('allow','block','reject','keep')),
     rule_id INTEGER, rule_text TEXT NOT NULL, rule_source TEXT, options TEXT NOT NULL,
     policy_digest TEXT NOT NULL, time TEXT NOT NULL, actor TEXT NOT NULL,
     permanent INTEGER NOT NULL DEFAULT 0,
     state TEXT NOT NULL CHECK (state IN ('committed','applied','failed','superseded')),
     outcome TEXT
   );
   CREATE INDEX decisions_bdf ON decisions(bdf, id);
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY, time TEXT NOT NULL, who TEXT NOT NULL, what TEXT NOT NULL,
     bdf TEXT, decision_id INTEGER, rule TEXT, old_target TEXT, new_target TEXT,
     result TEXT NOT NULL CHECK (result IN ('success','failure','planned')), detail TEXT
   );
   CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
   CREATE TRIGGER audit_append_only_d BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;`,
  // 2: at most one live (not superseded) decision per device
  `CREATE UNIQUE INDEX decisions_one_live ON decisions(bdf) WHERE state <> 'superseded';`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export type DecisionState = 'committed' | 'applied' | 'failed' | 'superseded';

export interface StoredDecision extends Decision {
  readonly id: number;
  readonly actor: string;
  readonly permanent: boolean;
  readonly state: DecisionState;
  readonly outcome: string | null;
}

export interface AuditEntry {
  readonly id: number;
  readonly time: string;
  readonly who: string;
  readonly what: string;
  readonly bdf: string | null;
  readonly decisionId: number | null;
  readonly rule: string | null;
  readonly oldTarget: string | null;
  readonly newTarget: string | null;
  readonly result: 'success' | 'failure' | 'planned';
  readonly detail: string | null;
}

interface Row {
  id: number;
  bdf: string;
  name: string | null;
  vendor: string | null;
  device: string | null;
  class: string | null;
  hash: string | null;
  target: Verdict;
  rule_id: number | null;
  rule_text: string;
  rule_source: string | null;
  options: string;
  policy_digest: string;
  time: string;
  actor: string;
  permanent: number;
  state: DecisionState;
  outcome: string | null;
}

const fromRow = (r: Row): StoredDecision => ({
  id: r.id,
  bdf: r.bdf,
  name: r.name,
  vendor: r.vendor,
  device: r.device,
  class: r.class,
  hash: r.hash,
  target: r.target,
  ruleId: r.rule_id,
  ruleText: r.rule_text,
  ruleSource: r.rule_source,
  options: JSON.parse(r.options) as Decision['options'],
  policyDigest: r.policy_digest,
  time: r.time,
  actor: r.actor,
  permanent: r.permanent !== 0,
  state: r.state,
  outcome: r.outcome,
});

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<db>.lock` (O_EXCL); a lock whose pid is gone is stale and taken over. */
function takeLock(path: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = NaN;
      try {
        pid = parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // vanished meanwhile: retry
      }
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new InputError(`the store is in use by another agent (pid ${pid}, lock ${path}); one agent per store`);
      }
      try {
        unlinkSync(path);
      } catch {
        // someone else took it over: the retry decides
      }
    }
  }
  throw new InputError(`cannot take the store lock ${path}`);
}

export class Store {
  readonly db: DB;
  private readonly lockPath: string | null;
  private closed = false;
  private readonly stmts = new Map<string, Database.Statement>();

  private constructor(db: DB, lockPath: string | null) {
    this.db = db;
    this.lockPath = lockPath;
  }

  /** Opens (creating and migrating) the store. `lock: false` for read-only commands (`log`, `list`). */
  static open(path: string, opts: { lock?: boolean; readonly?: boolean } = {}): Store {
    const lockPath = opts.lock === false || path === ':memory:' ? null : `${path}.lock`;
    if (lockPath !== null) takeLock(lockPath);
    let db: DB;
    try {
      db = new Database(path, opts.readonly === true ? { readonly: true, fileMustExist: true } : {});
      if (opts.readonly !== true) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('busy_timeout = 5000');
        const have = db.pragma('user_version', { simple: true }) as number;
        if (have > SCHEMA_VERSION) throw new InputError(`${path}: schema version ${have} is newer than this dmagate knows (${SCHEMA_VERSION})`);
        for (let v = have; v < SCHEMA_VERSION; v++) {
          db.transaction(() => {
            db.exec(MIGRATIONS[v]);
            db.pragma(`user_version = ${v + 1}`);
          })();
        }
      }
    } catch (e) {
      if (lockPath !== null) unlinkSync(lockPath);
      if (e instanceof InputError) throw e;
      throw new InputError(`${path}: cannot open the agent store: ${e instanceof Error ? e.message : String(e)}`);
    }
    return new Store(db, lockPath);
  }

  /** A prepared statement, prepared once per store (10,000 decisions: prepare dominates otherwise). */
  private q(sql: string): Database.Statement {
    let st = this.stmts.get(sql);
    if (st === undefined) {
      st = this.db.prepare(sql);
      this.stmts.set(sql, st);
    }
    return st;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    if (this.lockPath !== null) {
      try {
        unlinkSync(this.lockPath);
      } catch {
        // already gone
      }
    }
  }

  audit(e: Omit<AuditEntry, 'id' | 'time'> & { time?: string }): void {
    this.q('INSERT INTO audit (time, who, what, bdf, decision_id, rule, old_target, new_target, result, detail) VALUES (?,?,?,?,?,?,?,?,?,?)')
      .run(e.time ?? new Date().toISOString(), e.who, e.what, e.bdf, e.decisionId, e.rule, e.oldTarget, e.newTarget, e.result, e.detail);
  }

  /** The live decision for a device (committed, applied or failed), if any. */
  current(bdf: string): StoredDecision | null {
    const r = this.q("SELECT * FROM decisions WHERE bdf = ? AND state <> 'superseded'").get(bdf) as Row | undefined;
    return r === undefined ? null : fromRow(r);
  }

  live(): StoredDecision[] {
    return (this.q("SELECT * FROM decisions WHERE state <> 'superseded' ORDER BY bdf").all() as Row[]).map(fromRow);
  }

  pending(): StoredDecision[] {
    return (this.q("SELECT * FROM decisions WHERE state = 'committed' ORDER BY id").all() as Row[]).map(fromRow);
  }

  /** Commits a decision (superseding the device's previous one) and its audit line, in one
   * transaction. Returns its id. */
  commitDecision(d: Decision, actor: string, permanent = false): number {
    return this.db.transaction(() => {
      const prev = this.current(d.bdf);
      if (prev !== null) this.q("UPDATE decisions SET state = 'superseded' WHERE id = ?").run(prev.id);
      const info = this.q(
          `INSERT INTO decisions (bdf, name, vendor, device, class, hash, target, rule_id, rule_text, rule_source, options, policy_digest, time, actor, permanent, state)
           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'committed')`,
        )
        .run(d.bdf, d.name, d.vendor, d.device, d.class, d.hash, d.target, d.ruleId, d.ruleText, d.ruleSource, JSON.stringify(d.options), d.policyDigest, d.time, actor, permanent ? 1 : 0);
      const id = Number(info.lastInsertRowid);
      this.audit({ who: actor, what: 'decide', bdf: d.bdf, decisionId: id, rule: d.ruleId === null ? d.ruleText : `${d.ruleId}: ${d.ruleText}`, oldTarget: prev?.target ?? null, newTarget: d.target, result: 'success', detail: d.hash });
      return id;
    })();
  }

  /** Records the outcome of a committed decision's writes. */
  recordOutcome(id: number, ok: boolean, detail: string, actor: string): void {
    this.db.transaction(() => {
      const r = this.q('SELECT * FROM decisions WHERE id = ?').get(id) as Row | undefined;
      if (r === undefined) throw new Error(`no decision ${id}`);
      this.q('UPDATE decisions SET state = ?, outcome = ? WHERE id = ?').run(ok ? 'applied' : 'failed', detail, id);
      this.audit({ who: actor, what: 'apply', bdf: r.bdf, decisionId: id, rule: r.rule_id === null ? r.rule_text : `${r.rule_id}: ${r.rule_text}`, oldTarget: null, newTarget: r.target, result: ok ? 'success' : 'failure', detail });
    })();
  }

  auditLog(limit?: number): AuditEntry[] {
    const sql = 'SELECT * FROM audit ORDER BY id' + (limit !== undefined ? ` DESC LIMIT ${Math.floor(limit)}` : '');
    const rows = this.q(sql).all() as {
      id: number;
      time: string;
      who: string;
      what: string;
      bdf: string | null;
      decision_id: number | null;
      rule: string | null;
      old_target: string | null;
      new_target: string | null;
      result: AuditEntry['result'];
      detail: string | null;
    }[];
    const out = rows.map((r) => ({ id: r.id, time: r.time, who: r.who, what: r.what, bdf: r.bdf, decisionId: r.decision_id, rule: r.rule, oldTarget: r.old_target, newTarget: r.new_target, result: r.result, detail: r.detail }));
    return limit !== undefined ? out.reverse() : out;
  }

  integrityCheck(): string {
    return this.db.pragma('integrity_check', { simple: true }) as string;
  }
}
