// The SQLite store: WAL, migrations recorded in user_version, the audit table refuses
// UPDATE/DELETE, one agent per store (lock), decisions superseded rather than rewritten.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Store, SCHEMA_VERSION } from '../../src/agent/store.js';
import type { Decision } from '../../src/agent/decide.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dmagate-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const dec = (bdf: string, target: Decision['target'] = 'allow'): Decision => ({
  bdf,
  name: null,
  vendor: '8086',
  device: '1234',
  class: '020000',
  hash: 'sha256:' + '0'.repeat(64),
  target,
  ruleId: 1,
  ruleText: 'allow id 8086:*',
  ruleSource: 'r.rules:1',
  options: { driver: 'vfio-pci' },
  policyDigest: 'sha256:' + '1'.repeat(64),
  time: '2026-12-04T00:00:00.000Z',
});

describe('agent store', () => {
  it('WAL, schema at the latest migration, decisions and audit round-trip', () => {
    const p = join(dir, 'a.db');
    const s = Store.open(p);
    assert.equal(s.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(s.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    const id = s.commitDecision(dec('0000:01:00.0'), 'alice (uid 0)');
    assert.equal(s.current('0000:01:00.0')?.state, 'committed');
    s.recordOutcome(id, true, 'wrote 2 attributes', 'alice (uid 0)');
    const cur = s.current('0000:01:00.0')!;
    assert.equal(cur.state, 'applied');
    assert.deepEqual(cur.options, { driver: 'vfio-pci' });
    const id2 = s.commitDecision(dec('0000:01:00.0', 'block'), 'bob');
    assert.notEqual(id2, id);
    assert.equal(s.current('0000:01:00.0')?.target, 'block');
    assert.equal(s.live().length, 1, 'the earlier decision is superseded, not deleted');
    const log = s.auditLog();
    assert.deepEqual(log.map((e) => [e.what, e.oldTarget, e.newTarget, e.result, e.who]), [
      ['decide', null, 'allow', 'success', 'alice (uid 0)'],
      ['apply', null, 'allow', 'success', 'alice (uid 0)'],
      ['decide', 'allow', 'block', 'success', 'bob'],
    ]);
    assert.equal(log[0].rule, '1: allow id 8086:*');
    s.close();
  });

  it('the audit table is append-only', () => {
    const s = Store.open(join(dir, 'b.db'));
    s.commitDecision(dec('0000:02:00.0'), 'x');
    assert.throws(() => s.db.prepare("UPDATE audit SET who = 'mallory'").run(), /append-only/);
    assert.throws(() => s.db.prepare('DELETE FROM audit').run(), /append-only/);
    assert.throws(() => s.db.prepare("INSERT INTO decisions (bdf, target, rule_text, options, policy_digest, time, actor, state) VALUES ('0000:02:00.0','allow','x','{}','d','t','a','committed')").run(), /UNIQUE/, 'one live decision per device');
    s.close();
  });

  it('one agent per store: a second open fails while the first holds the lock; a stale lock is taken over', () => {
    const p = join(dir, 'c.db');
    const s = Store.open(p);
    assert.throws(() => Store.open(p), (e: unknown) => e instanceof InputError && /in use by another agent \(pid \d+/.test(e.message));
    const ro = Store.open(p, { lock: false });
    ro.close();
    s.close();
    assert.ok(!existsSync(`${p}.lock`));
    // a lock left by a dead process
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(`${p}.lock`, `${dead}\n`);
    const s2 = Store.open(p);
    s2.close();
  });

  it('migrates an older store forward and refuses a newer one', () => {
    const p = join(dir, 'd.db');
    const s = Store.open(p);
    s.db.pragma('user_version = 1');
    s.db.exec('DROP INDEX decisions_one_live');
    s.close();
    const s2 = Store.open(p);
    assert.equal(s2.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    s2.db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    s2.close();
    assert.throws(() => Store.open(p), /newer than this dmagate knows/);
  });
});
