import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { auditHash, GENESIS_HASH } from '@bedlink/domain';
import { checkpointMessage, verifyAudit, verifyAuditChains, writeAuditCheckpoint } from '@bedlink/persistence';
import { auditKeys } from '@bedlink/config';
import { Engine, startEngine } from '../support/engine';
import { ok, smallDistrict } from '../support/fixture';
import { client, eventually } from '../support/http';

jest.setTimeout(120_000);

const run = promisify(execFile);
const pem = () => {
  const k = generateKeyPairSync('ed25519');
  return { priv: k.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), pub: k.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};

/** A connection as the engine's runtime role (cfg.DATABASE_URL). */
async function asRuntime<T>(e: Engine, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: e.cfg.DATABASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (err: { code?: string; message: string }) => ({ code: err.code, message: err.message }),
  );

/**
 * Rewrites one audit row's payload with full database access (superuser, trigger off), recomputes
 * its hash and every later hash of the chain and the aggregate's chain head: the chain stays
 * internally consistent, so only something outside the database can tell.
 */
async function rewriteChain(e: Engine, aggregateId: string, atSeq: number, table: string, patch: Record<string, unknown>): Promise<void> {
  const rows = await e.ds.query(`SELECT * FROM audit_log WHERE aggregate_id = $1 ORDER BY aggregate_seq`, [aggregateId]);
  await e.ds.query(`ALTER TABLE audit_log DISABLE TRIGGER USER`);
  let prev = rows[0].prev_hash;
  for (const r of rows) {
    if (r.aggregate_seq < atSeq) {
      prev = r.hash;
      continue;
    }
    const payload = r.aggregate_seq === atSeq ? { ...r.payload, ...patch } : r.payload;
    const hash = auditHash({
      aggregateType: r.aggregate_type,
      aggregateId: r.aggregate_id,
      aggregateSeq: r.aggregate_seq,
      eventId: r.event_id,
      eventType: r.event_type,
      payload,
      actorUser: r.actor_user,
      actorRole: r.actor_role,
      actorInstitution: r.actor_institution,
      reason: r.reason,
      correlationId: r.correlation_id,
      causationId: r.causation_id,
      occurredAt: r.occurred_at,
      prevHash: prev,
    });
    await e.ds.query(`UPDATE audit_log SET payload = $2, prev_hash = $3, hash = $4 WHERE seq = $1`, [r.seq, payload, prev, hash]);
    prev = hash;
  }
  await e.ds.query(`ALTER TABLE audit_log ENABLE TRIGGER USER`);
  await e.ds.query(`UPDATE ${table} SET chain_hash = $2 WHERE id = $1`, [aggregateId, prev]);
}

describe('Audit: the runtime role cannot rewrite the trail', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await startEngine();
  });
  afterAll(async () => {
    await e?.close();
  });

  it('the engine runs as a role that is neither superuser nor owner, and works (the grants are enough)', async () => {
    const [me] = await asRuntime(
      e,
      async (c) => (await c.query(`SELECT current_user AS "user", rolsuper AS super FROM pg_roles WHERE rolname = current_user`)).rows,
    );
    expect(me).toEqual({ user: 'bedlink_app', super: false });
    const [owner] = (await e.ds.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'`)) as { tableowner: string }[];
    expect(owner.tableowner).not.toBe('bedlink_app');
    // a write through the API lands in the audit log
    const dc = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'd1' }));
    await ok(
      dc.post('/institutions', { code: 'RR-1', name: '测试中心', type: 'COMMUNITY_HEALTH_CENTRE', districtId: 'd1', lat: 31.2, lng: 121.4, services: [] }),
      'institution',
    );
    expect((await e.ds.query(`SELECT count(*)::int AS n FROM audit_log`))[0].n).toBeGreaterThan(0);
  });

  it('UPDATE, DELETE and TRUNCATE of audit_log and its checkpoints are refused by privilege, and the trigger cannot be switched off', async () => {
    const refused = await asRuntime(e, async (c) => ({
      update: await failure(c.query(`UPDATE audit_log SET reason = 'x'`)),
      delete: await failure(c.query(`DELETE FROM audit_log`)),
      truncate: await failure(c.query(`TRUNCATE audit_log`)),
      disable: await failure(c.query(`ALTER TABLE audit_log DISABLE TRIGGER USER`)),
      replica: await failure(c.query(`SET session_replication_role = replica`)),
      cpUpdate: await failure(c.query(`UPDATE audit_checkpoints SET digest = 'x'`)),
      cpDelete: await failure(c.query(`DELETE FROM audit_checkpoints`)),
      cpTruncate: await failure(c.query(`TRUNCATE audit_checkpoints`)),
      headsUpdate: await failure(c.query(`UPDATE audit_checkpoint_heads SET hash = 'x'`)),
      headsDelete: await failure(c.query(`DELETE FROM audit_checkpoint_heads`)),
      headsTruncate: await failure(c.query(`TRUNCATE audit_checkpoint_heads`)),
      // without the grant option Postgres only warns "no privileges were granted"
      afterSelfGrant: await c.query(`GRANT UPDATE ON audit_log TO bedlink_app`).then(() => failure(c.query(`UPDATE audit_log SET reason = 'x'`))),
    }));
    const denied = { code: '42501', message: expect.stringMatching(/permission denied|must be owner/) };
    expect(refused).toEqual({
      update: denied,
      delete: denied,
      truncate: denied,
      disable: denied,
      replica: denied,
      cpUpdate: denied,
      cpDelete: denied,
      cpTruncate: denied,
      headsUpdate: denied,
      headsDelete: denied,
      headsTruncate: denied,
      afterSelfGrant: denied,
    });
    // and it can still append
    const keys = auditKeys(e.cfg);
    const cp = await writeAuditCheckpoint(e.ds, keys.signingKey!);
    expect(cp.id).toBeTruthy();
  });
});

describe('Audit: signed checkpoints catch a consistent rewrite made with full database access', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  const key = pem();

  beforeAll(async () => {
    e = await startEngine({ env: { AUDIT_SIGNING_KEY: key.priv, AUDIT_VERIFY_KEY: key.pub } });
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('verify → checkpoint; rewrite payload, hashes and chain head as superuser → every verifier path fails', async () => {
    const keys = auditKeys(e.cfg);
    const auditor = client(e.baseUrl, e.token('AUDITOR', null, { districtId: 'd1' }));
    expect((await verifyAudit(e.ds, { verifyKey: keys.verifyKey })).ok).toBe(true);
    const cp = await writeAuditCheckpoint(e.ds, keys.signingKey!);
    expect(cp).toMatchObject({ chains: expect.any(Number), digest: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // activity after the checkpoint is verified incrementally: only the rows after it are read
    await d.patient();
    const after = (await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE seq > $1`, [cp.coveringSeq]))[0].n;
    const inc = await verifyAudit(e.ds, { verifyKey: keys.verifyKey });
    expect(inc).toMatchObject({ ok: true, mode: 'incremental', checkpoint: { id: cp.id } });
    expect(after).toBeGreaterThan(0);
    expect(inc.records).toBe(after);
    expect(inc.records).toBeLessThan((await e.ds.query(`SELECT count(*)::int AS n FROM audit_log`))[0].n);
    expect((await ok(auditor.get('/audit/verify'), 'verify')).ok).toBe(true);

    // the attack: an institution's registration rewritten, its chain recomputed, its head moved
    const [victim] = await e.ds.query(
      `SELECT aggregate_id, aggregate_seq FROM audit_log WHERE aggregate_type = 'Institution' AND aggregate_id = $1 ORDER BY aggregate_seq LIMIT 1`,
      [d.cc2],
    );
    await rewriteChain(e, victim.aggregate_id, victim.aggregate_seq, 'institutions', { name: '伪造的中心' });
    // the chain is internally consistent: hash-chain recomputation alone is fooled
    expect(await verifyAuditChains(e.ds)).toMatchObject({ ok: true });

    const incremental = await verifyAudit(e.ds, { verifyKey: keys.verifyKey });
    expect(incremental).toMatchObject({ ok: false, firstBreak: { problem: 'CHECKPOINT_MISMATCH', aggregateId: victim.aggregate_id } });
    const full = await verifyAudit(e.ds, { verifyKey: keys.verifyKey, full: true });
    expect(full).toMatchObject({ ok: false, firstBreak: { problem: 'CHECKPOINT_MISMATCH', aggregateId: victim.aggregate_id } });
    expect(await ok(auditor.get('/audit/verify'), 'verify')).toMatchObject({ ok: false, firstBreak: { problem: 'CHECKPOINT_MISMATCH' } });

    // the command-line verifier, offline, with only the public key: non-zero exit naming the break
    const cli = await run(process.execPath, ['-r', '@swc-node/register', 'scripts/audit-verify.ts', '--no-checkpoint'], {
      env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: e.cfg.DATABASE_URL, AUDIT_VERIFY_KEY: key.pub, AUDIT_SIGNING_KEY: '' },
    }).then(
      () => ({ code: 0, out: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, out: err.stderr }),
    );
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/CHECKPOINT_MISMATCH/);

    // covering the tracks with a new checkpoint needs the private key: a forged one is refused
    const forger = pem();
    const [last] = await e.ds.query(`SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1`);
    const createdAt = new Date().toISOString();
    const fake = { createdAt, coveringSeq: String(last.covering_seq), chains: last.chains, digest: last.digest, prevSignature: last.signature };
    await e.ds.query(
      `INSERT INTO audit_checkpoints (created_at, covering_seq, chains, digest, prev_signature, key_id, signature) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [createdAt, fake.coveringSeq, fake.chains, fake.digest, last.signature, last.key_id, sign(null, checkpointMessage(fake), forger.priv).toString('base64')],
    );
    expect(await verifyAudit(e.ds, { verifyKey: keys.verifyKey })).toMatchObject({ ok: false, firstBreak: { problem: 'CHECKPOINT_SIGNATURE' } });
  });

  it('the worker verifies and writes signed checkpoints on its own schedule, none while the trail is idle', async () => {
    const w = await startEngine({ env: { AUDIT_SIGNING_KEY: key.priv, AUDIT_VERIFY_KEY: key.pub, AUDIT_CHECKPOINT_INTERVAL_MS: '300' } });
    try {
      const count = async () => (await w.ds.query(`SELECT count(*)::int AS n FROM audit_checkpoints`))[0].n as number;
      await eventually(count, (n) => n >= 1, 15_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await count()).toBe(1);
      const dc = client(w.baseUrl, w.token('DISTRICT_COORDINATOR', null, { districtId: 'd1' }));
      await ok(
        dc.post('/institutions', { code: 'CP-1', name: '检查点中心', type: 'COMMUNITY_HEALTH_CENTRE', districtId: 'd1', lat: 31.2, lng: 121.4, services: [] }),
        'institution',
      );
      await eventually(count, (n) => n >= 2, 15_000);
      // the first signs every chain; the next only those that moved after it (here: the new institution)
      const [first, last] = await w.ds.query(`SELECT id, chains, covering_seq FROM audit_checkpoints ORDER BY id LIMIT 2`);
      expect(first.chains).toBe((await w.ds.query(`SELECT count(DISTINCT aggregate_id)::int AS n FROM audit_log WHERE seq <= $1`, [first.covering_seq]))[0].n);
      const moved = await w.ds.query(`SELECT DISTINCT aggregate_id::text AS id FROM audit_log WHERE seq > $1 AND seq <= $2`, [
        first.covering_seq,
        last.covering_seq,
      ]);
      expect(moved).toHaveLength(last.chains);
      const signed = await w.ds.query(`SELECT aggregate_id::text AS id FROM audit_checkpoint_heads WHERE checkpoint_id = $1`, [last.id]);
      expect(signed.map((r: { id: string }) => r.id).sort()).toEqual(moved.map((r: { id: string }) => r.id).sort());
      expect(await verifyAudit(w.ds, { verifyKey: auditKeys(w.cfg).verifyKey, full: true })).toMatchObject({ ok: true, checkpoints: 2 });
    } finally {
      await w.close();
    }
  });
});

describe('Audit: a checkpoint signs the chains that moved since the one before, and none is left out by a late commit', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  const key = pem();
  const keys = () => auditKeys(e.cfg);

  beforeAll(async () => {
    e = await startEngine({ env: { AUDIT_SIGNING_KEY: key.priv, AUDIT_VERIFY_KEY: key.pub } });
    d = await smallDistrict(e);
  });
  afterAll(async () => {
    await e?.close();
  });
  const signedIds = async (checkpointId: string) =>
    (await e.ds.query(`SELECT aggregate_id::text AS id FROM audit_checkpoint_heads WHERE checkpoint_id = $1 ORDER BY 1`, [checkpointId])).map(
      (r: { id: string }) => r.id,
    );

  it('the next checkpoint names only the moved chains; a rewrite under an older checkpoint passes the incremental run and fails --full', async () => {
    await writeAuditCheckpoint(e.ds, keys().signingKey!);
    const patientId = await d.patient();
    const cp = await writeAuditCheckpoint(e.ds, keys().signingKey!);
    expect(await signedIds(cp.id)).toEqual([patientId]);
    expect(cp.chains).toBe(1);
    // nothing moved since: the worker's call (onlyIfChanged) writes none
    expect(await writeAuditCheckpoint(e.ds, keys().signingKey!, { onlyIfChanged: true })).toBeNull();

    // an institution last signed in the first checkpoint, rewritten consistently with full access
    const [victim] = await e.ds.query(
      `SELECT aggregate_id, aggregate_seq FROM audit_log WHERE aggregate_type = 'Institution' AND aggregate_id = $1 ORDER BY aggregate_seq LIMIT 1`,
      [d.cc2],
    );
    await rewriteChain(e, victim.aggregate_id, victim.aggregate_seq, 'institutions', { name: '伪造的中心' });
    // the incremental run reads the last checkpoint's heads and what came after: the documented gap
    expect(await verifyAudit(e.ds, { verifyKey: keys().verifyKey })).toMatchObject({ ok: true, mode: 'incremental' });
    expect(await verifyAudit(e.ds, { verifyKey: keys().verifyKey, full: true })).toMatchObject({
      ok: false,
      firstBreak: { problem: 'CHECKPOINT_MISMATCH', aggregateId: victim.aggregate_id },
    });
  });

  it('a record whose seq was drawn before the covering seq but committed after: the checkpoint waits for it and signs it', async () => {
    await writeAuditCheckpoint(e.ds, keys().signingKey!);
    // a transaction draws its seq and stays open (as a slow command would)
    const slow = new Client({ connectionString: e.cfg.DATABASE_URL });
    await slow.connect();
    const id = randomUUID();
    const occurredAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    const row = {
      aggregateType: 'Bed',
      aggregateId: id,
      aggregateSeq: 1,
      eventId: randomUUID(),
      eventType: 'BedRegistered',
      payload: { late: true },
      actorUser: 'late',
      actorRole: 'COMMUNITY_COORDINATOR',
      actorInstitution: null,
      reason: null,
      correlationId: null,
      causationId: null,
      occurredAt,
      prevHash: GENESIS_HASH,
    };
    try {
      await slow.query('BEGIN');
      const {
        rows: [{ seq }],
      } = await slow.query(
        `INSERT INTO audit_log (aggregate_type, aggregate_id, aggregate_seq, event_id, event_type, payload, actor_user, actor_role, actor_institution, reason,
                                correlation_id, causation_id, occurred_at, prev_hash, hash)
         VALUES ($1, $2, 1, $3, $4, $5, $6, $7, NULL, NULL, NULL, NULL, $8, $9, $10) RETURNING seq::text AS seq`,
        [row.aggregateType, id, row.eventId, row.eventType, row.payload, row.actorUser, row.actorRole, occurredAt, GENESIS_HASH, auditHash(row)],
      );
      // a later command commits a higher seq meanwhile
      const patientId = await d.patient();
      let written: Awaited<ReturnType<typeof writeAuditCheckpoint>> | undefined;
      const checkpoint = writeAuditCheckpoint(e.ds, keys().signingKey!).then((c) => (written = c));
      await new Promise((r) => setTimeout(r, 400));
      expect(written).toBeUndefined(); // still waiting for the open transaction
      await slow.query('COMMIT');
      const cp = await checkpoint;
      expect(BigInt(cp.coveringSeq)).toBeGreaterThan(BigInt(seq));
      expect(await signedIds(cp.id)).toEqual(expect.arrayContaining([id, patientId]));
      expect(await verifyAudit(e.ds, { verifyKey: keys().verifyKey })).toMatchObject({ ok: true, mode: 'incremental' });
    } finally {
      await slow.end();
    }
  });
});
