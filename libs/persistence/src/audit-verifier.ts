import { createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { auditHash, GENESIS_HASH } from '@bedlink/domain';
import { auditKeyId } from '@bedlink/config';
import { OPEN_TRANSACTIONS, waitForTransactions } from './active-tx';

export interface AuditBreak {
  seq: string;
  aggregateType: string;
  aggregateId: string;
  aggregateSeq: number;
  problem: 'HASH_MISMATCH' | 'BROKEN_LINK' | 'SEQUENCE_GAP' | 'HEAD_MISMATCH' | 'CHECKPOINT_SIGNATURE' | 'CHECKPOINT_CHAIN' | 'CHECKPOINT_MISMATCH';
  checkpointId?: string;
}
export interface CheckpointInfo {
  id: string;
  createdAt: string;
  coveringSeq: string;
  chains: number;
  digest: string;
}
export interface AuditReport {
  ok: boolean;
  /** Records whose hash was recomputed (incremental: only those after the last checkpoint). */
  records: number;
  chains: number;
  firstBreak?: AuditBreak;
  /** full: every record; incremental: signed checkpoints, then the records after the last one. */
  mode?: 'full' | 'incremental';
  /** Signed checkpoints found (all signatures verified). */
  checkpoints?: number;
  /** The last checkpoint, verification's starting point: keep its id and digest outside the database. */
  checkpoint?: CheckpointInfo | null;
}

const HEAD_TABLES: Record<string, string> = {
  Referral: 'referrals',
  Bed: 'beds',
  Institution: 'institutions',
  Patient: 'patients',
  DistrictPolicy: 'district_policies',
  Programme: 'home_programmes',
  Agreement: 'cooperation_agreements',
  ApiKey: 'api_keys',
  WebhookSubscription: 'webhook_subscriptions',
  UserAccount: 'user_accounts',
  AuditArchive: 'audit_archives',
};

/**
 * Recomputes every per-aggregate hash chain (or one aggregate's) and names the first record
 * that does not match. Also checks each chain's last hash against the head kept on the
 * aggregate row, so deleting the tail of a chain is caught too. Reads in keyset pages.
 */
/** The aggregates of one district: what a district's auditor may verify (and so count). */
const DISTRICT_AGGREGATE_IDS = (p: string) => `
  SELECT id FROM referrals WHERE district_id = ${p} UNION SELECT id FROM institutions WHERE district_id = ${p}
  UNION SELECT id FROM district_policies WHERE district_id = ${p} UNION SELECT id FROM cooperation_agreements WHERE district_id = ${p}
  UNION SELECT id FROM user_accounts WHERE district_id = ${p}
  UNION SELECT b.id FROM beds b JOIN institutions i ON i.id = b.institution_id WHERE i.district_id = ${p}
  UNION SELECT h.id FROM home_programmes h JOIN institutions i ON i.id = h.institution_id WHERE i.district_id = ${p}
  UNION SELECT t.id FROM patients t JOIN institutions i ON i.id = t.registered_by_institution WHERE i.district_id = ${p}`;
const DISTRICT_AGGREGATES = (p: string) => `aggregate_id IN (${DISTRICT_AGGREGATE_IDS(p)})`;

/**
 * The end heads of archived months whose partition is detached, as a relation (t, id, seq, hash, and the
 * month's last_seq):
 * where a chain resumes once its earlier records left the database (each signed in its archive).
 */
export const DETACHED_HEADS = `(SELECT h.t, h.id, h.seq, h.hash, x.last_seq FROM audit_archives x CROSS JOIN LATERAL jsonb_to_recordset(x.end_heads) AS h(t text, id uuid, seq int, hash text)
  WHERE NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = to_regclass(x.partition_name) AND i.inhparent = 'audit_log'::regclass))`;

/** id/seq → hash of the detached months' end heads (empty while no month is detached). */
async function detachedHeads(ds: DataSource): Promise<Map<string, string>> {
  const rows: { id: string; seq: number; hash: string }[] = await ds.query(`SELECT id::text AS id, seq, hash FROM ${DETACHED_HEADS} d`);
  return new Map(rows.map((r) => [`${r.id}/${r.seq}`, r.hash]));
}

export async function verifyAuditChains(ds: DataSource, opts: { aggregateId?: string; districtId?: string; pageSize?: number } = {}): Promise<AuditReport> {
  const pageSize = opts.pageSize ?? 5000;
  const archived = await detachedHeads(ds);
  let records = 0;
  let chains = 0;
  let cursor: { id: string; seq: number } | null = null;
  let current: { id: string; type: string; seq: number; hash: string } | null = null;
  const heads: { type: string; id: string; seq: number; hash: string }[] = [];

  const closeChain = () => {
    if (current) heads.push({ type: current.type, id: current.id, seq: current.seq, hash: current.hash });
  };

  for (;;) {
    const params: unknown[] = [pageSize];
    let where = '';
    if (opts.aggregateId) {
      params.push(opts.aggregateId);
      where = `WHERE aggregate_id = $2`;
      if (cursor) {
        params.push(cursor.seq);
        where += ` AND aggregate_seq > $3`;
      }
    } else if (cursor) {
      params.push(cursor.id, cursor.seq);
      where = `WHERE (aggregate_id, aggregate_seq) > ($2::uuid, $3)`;
    }
    if (opts.districtId) {
      params.push(opts.districtId);
      where += `${where ? ' AND' : 'WHERE'} ${DISTRICT_AGGREGATES(`$${params.length}`)}`;
    }
    const rows: any[] = await ds.query(
      `SELECT seq::text, aggregate_type, aggregate_id, aggregate_seq, event_id, event_type, payload, actor_user, actor_role, actor_institution, reason, correlation_id, causation_id, occurred_at, prev_hash, hash
       FROM audit_log ${where} ORDER BY aggregate_id, aggregate_seq LIMIT $1`,
      params,
    );
    for (const r of rows) {
      records++;
      if (!current || current.id !== r.aggregate_id) {
        closeChain();
        chains++;
        // a chain whose first months were archived and detached resumes at the archive's signed end head
        const resumed = r.aggregate_seq > 1 ? archived.get(`${r.aggregate_id}/${r.aggregate_seq - 1}`) : undefined;
        current = { id: r.aggregate_id, type: r.aggregate_type, seq: resumed ? r.aggregate_seq - 1 : 0, hash: resumed ?? GENESIS_HASH };
      }
      const problem = checkRecord(r, current);
      if (problem)
        return {
          ok: false,
          records,
          chains,
          firstBreak: { seq: r.seq, aggregateType: r.aggregate_type, aggregateId: r.aggregate_id, aggregateSeq: r.aggregate_seq, problem },
        };
      current.seq = r.aggregate_seq;
      current.hash = r.hash;
    }
    if (rows.length < pageSize) break;
    const last = rows[rows.length - 1];
    cursor = { id: last.aggregate_id, seq: last.aggregate_seq };
  }
  closeChain();

  // Chain heads on the aggregate rows: a truncated chain no longer ends where its aggregate says.
  const head = await checkStoredHeads(ds, heads);
  if (head) return { ok: false, records, chains, firstBreak: head };
  return { ok: true, records, chains };
}

/* ----------------------------------------------------------------------------------------------
 * Signed checkpoints. The hash chains prove a record was not changed *unless* whoever changed it
 * recomputed the later hashes and the chain head too, which the database owner can do. A
 * checkpoint signs (Ed25519, key outside the database) a digest over the heads of the chains that
 * moved since the checkpoint before it (audit_checkpoint_heads): a consistent rewrite of a record
 * it covers changes a head and no longer matches. A chain's signed head at checkpoint L is its row
 * in the last checkpoint up to L that names it; the first checkpoint names every chain.
 * Only the window is read and stored: signing every head each 10 minutes cost a city minutes of
 * reading and gigabytes a day (migration 1735200000000).
 * ---------------------------------------------------------------------------------------------- */

interface Head {
  t: string;
  id: string;
  seq: number;
  hash: string;
}

/** sha256 over the sorted "type/id/seq/hash" lines of the chain heads. */
export function headsDigest(heads: readonly Head[]): string {
  const lines = heads.map((h) => `${h.t}/${h.id}/${h.seq}/${h.hash}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** What a checkpoint's signature covers; prevSignature links it to the one before. */
export function checkpointMessage(c: { createdAt: string; coveringSeq: string; chains: number; digest: string; prevSignature: string | null }): Buffer {
  return Buffer.from(`bedlink-audit-checkpoint/v1\n${c.createdAt}\n${c.coveringSeq}\n${c.chains}\n${c.digest}\n${c.prevSignature ?? '-'}`, 'utf8');
}

/** Serialises checkpoint writers (several workers, the CLI): each links to the last one. */
const CHECKPOINT_LOCK = `SELECT pg_advisory_xact_lock(hashtext('bedlink.audit_checkpoint'))`;

/** How long a checkpoint waits for the transactions open when it read its covering seq (then it gives up, and the next one tries). */
const OPEN_TRANSACTIONS_WAIT_MS = 30_000;

/**
 * Signs the heads of the chains with a record above the previous checkpoint's covering seq, up to the
 * highest seq now committed. Needs only INSERT and SELECT: the runtime role can do it.
 *
 * A record's seq is drawn when it is inserted, not when it commits, so a transaction still open may
 * hold a seq below the one read here: the window is read only once every transaction that was open at
 * that moment has ended (a later one draws a higher seq). Left: a seq drawn in the instant before its
 * transaction got an id (the unit of work writes its aggregate first, so it has one); such a record is
 * still verified with its chain, and signed when the chain next moves.
 */
export async function writeAuditCheckpoint(ds: DataSource, signingKey: KeyObject): Promise<CheckpointInfo>;
export async function writeAuditCheckpoint(ds: DataSource, signingKey: KeyObject, opts: { onlyIfChanged: true }): Promise<CheckpointInfo | null>;
export async function writeAuditCheckpoint(ds: DataSource, signingKey: KeyObject, opts: { onlyIfChanged?: boolean } = {}): Promise<CheckpointInfo | null> {
  const keyId = auditKeyId(createPublicKey(signingKey));
  return ds.transaction(async (em: EntityManager) => {
    await em.query(CHECKPOINT_LOCK);
    const [prev] = await em.query(`SELECT signature, covering_seq::text AS covering FROM audit_checkpoints ORDER BY id DESC LIMIT 1`);
    const since: string = prev?.covering ?? '0';
    // one snapshot: the highest committed seq, and the transactions still open beside it
    const [{ covering, open }] = await em.query(`SELECT (SELECT coalesce(max(seq), 0) FROM audit_log)::text AS covering, ${OPEN_TRANSACTIONS} AS open`);
    // an idle trail adds none
    if (opts.onlyIfChanged && prev && covering === since) return null;
    const still = await waitForTransactions((sql, p) => em.query(sql, p), open as string[], OPEN_TRANSACTIONS_WAIT_MS);
    if (still.length)
      throw new Error(`audit checkpoint: ${still.length} transaction(s) open for over ${OPEN_TRANSACTIONS_WAIT_MS / 1000} s; no checkpoint written`);
    // the window's chains; and those whose records in it already left with a detached month keep the head
    // their archive signed (the archives of months with a record after the previous checkpoint: usually none)
    const heads: Head[] = await em.query(
      `WITH live AS (SELECT DISTINCT ON (aggregate_id) aggregate_type AS t, aggregate_id AS id, aggregate_seq AS seq, hash
                       FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY aggregate_id, aggregate_seq DESC),
            gone AS (SELECT DISTINCT ON (d.id) d.t, d.id, d.seq, d.hash FROM ${DETACHED_HEADS} d
                      WHERE d.last_seq > $1 AND NOT EXISTS (SELECT 1 FROM live l WHERE l.id = d.id) ORDER BY d.id, d.seq DESC)
       SELECT t, id::text AS id, seq, hash FROM live UNION ALL SELECT t, id::text AS id, seq, hash FROM gone`,
      [since, covering],
    );
    const c = {
      createdAt: new Date().toISOString(),
      coveringSeq: covering as string,
      chains: heads.length,
      digest: headsDigest(heads),
      prevSignature: (prev?.signature as string | undefined) ?? null,
    };
    const signature = sign(null, checkpointMessage(c), signingKey).toString('base64');
    const [{ id }] = await em.query(
      `INSERT INTO audit_checkpoints (created_at, covering_seq, chains, digest, prev_signature, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
      [c.createdAt, c.coveringSeq, c.chains, c.digest, c.prevSignature, keyId, signature],
    );
    if (heads.length)
      await em.query(
        `INSERT INTO audit_checkpoint_heads (checkpoint_id, aggregate_id, aggregate_type, aggregate_seq, hash)
         SELECT $1, h.id, h.t, h.seq, h.hash FROM unnest($2::uuid[], $3::text[], $4::int[], $5::text[]) AS h(id, t, seq, hash)`,
        [id, heads.map((h) => h.id), heads.map((h) => h.t), heads.map((h) => h.seq), heads.map((h) => h.hash)],
      );
    return { id, createdAt: c.createdAt, coveringSeq: c.coveringSeq, chains: c.chains, digest: c.digest };
  });
}

interface CheckpointRow {
  id: string;
  created_at: Date;
  covering_seq: string;
  chains: number;
  digest: string;
  prev_signature: string | null;
  signature: string;
}

const infoOf = (c: CheckpointRow): CheckpointInfo => ({
  id: c.id,
  createdAt: c.created_at.toISOString(),
  coveringSeq: c.covering_seq,
  chains: c.chains,
  digest: c.digest,
});
const cpBreak = (c: CheckpointRow, problem: AuditBreak['problem'], at: Partial<AuditBreak> = {}): AuditBreak => ({
  seq: c.covering_seq,
  aggregateType: '?',
  aggregateId: '?',
  aggregateSeq: 0,
  checkpointId: c.id,
  problem,
  ...at,
});

/** Every signature, and the link of each checkpoint to the one before (one removed from the middle shows). */
async function checkSignatures(ds: DataSource, verifyKey: KeyObject): Promise<{ list: CheckpointRow[]; bad?: AuditBreak }> {
  const list: CheckpointRow[] = await ds.query(
    `SELECT id::text, created_at, covering_seq::text, chains, digest, prev_signature, signature FROM audit_checkpoints ORDER BY id`,
  );
  let prev: CheckpointRow | null = null;
  for (const c of list) {
    const msg = checkpointMessage({
      createdAt: c.created_at.toISOString(),
      coveringSeq: c.covering_seq,
      chains: c.chains,
      digest: c.digest,
      prevSignature: c.prev_signature,
    });
    if (!verify(null, msg, verifyKey, Buffer.from(c.signature, 'base64'))) return { list, bad: cpBreak(c, 'CHECKPOINT_SIGNATURE') };
    if (c.prev_signature !== (prev?.signature ?? null)) return { list, bad: cpBreak(c, 'CHECKPOINT_CHAIN') };
    prev = c;
  }
  return { list };
}

/**
 * The heads a checkpoint signed, against the records now at those positions: the digest over
 * the current hashes must be the signed one (a rewrite that recomputed hashes changes a head).
 */
async function checkCheckpointHeads(ds: DataSource, c: CheckpointRow, only?: ReadonlySet<string>): Promise<AuditBreak | null> {
  const rows: (Head & { now: string | null })[] = await ds.query(
    `SELECT h.aggregate_type AS t, h.aggregate_id::text AS id, h.aggregate_seq AS seq, h.hash, coalesce(a.hash, d.hash) AS now
     FROM audit_checkpoint_heads h
     LEFT JOIN audit_log a ON a.aggregate_id = h.aggregate_id AND a.aggregate_seq = h.aggregate_seq
     LEFT JOIN ${DETACHED_HEADS} d ON a.hash IS NULL AND d.id = h.aggregate_id AND d.seq = h.aggregate_seq
     WHERE h.checkpoint_id = $1`,
    [c.id],
  );
  if (!signedAsStored(c, rows)) return cpBreak(c, 'CHECKPOINT_MISMATCH');
  const nowDigest = headsDigest(rows.map((r) => ({ t: r.t, id: r.id, seq: r.seq, hash: r.now ?? 'MISSING' })));
  if (only) {
    // A district's auditor: the signed digest is checked whole, rewrites are looked for (and named) in its own chains only.
    const r = rows.find((x) => only.has(x.id) && x.now !== x.hash);
    return r ? cpBreak(c, 'CHECKPOINT_MISMATCH', { aggregateType: r.t, aggregateId: r.id, aggregateSeq: r.seq }) : null;
  }
  if (nowDigest !== c.digest) {
    const r = rows.find((x) => x.now !== x.hash)!;
    return cpBreak(c, 'CHECKPOINT_MISMATCH', { aggregateType: r.t, aggregateId: r.id, aggregateSeq: r.seq });
  }
  return null;
}

/** A checkpoint's rows in audit_checkpoint_heads are the ones it signed: their digest and their count. */
const signedAsStored = (c: CheckpointRow, rows: readonly Head[]) => headsDigest(rows) === c.digest && rows.length === c.chains;

/**
 * The signed heads of these chains at checkpoint L (each from the last checkpoint up to L that names
 * it), and each earlier checkpoint that supplies one against its signed digest: a head row edited in
 * the database would start the walk from a forged hash. L itself the caller has checked already.
 */
async function signedHeadsAt(
  ds: DataSource,
  list: CheckpointRow[],
  last: CheckpointRow,
  ids: string[],
): Promise<{ heads: Map<string, Head>; bad?: AuditBreak }> {
  const rows: (Head & { checkpoint: string })[] = ids.length
    ? await ds.query(
        `SELECT DISTINCT ON (aggregate_id) aggregate_type AS t, aggregate_id::text AS id, aggregate_seq AS seq, hash, checkpoint_id::text AS checkpoint
           FROM audit_checkpoint_heads WHERE aggregate_id = ANY($1::uuid[]) AND checkpoint_id <= $2 ORDER BY aggregate_id, checkpoint_id DESC`,
        [ids, last.id],
      )
    : [];
  const heads = new Map(rows.map((r) => [r.id, { t: r.t, id: r.id, seq: r.seq, hash: r.hash }]));
  const byId = new Map(list.map((c) => [c.id, c]));
  for (const id of new Set(rows.map((r) => r.checkpoint))) {
    if (id === last.id) continue;
    const c = byId.get(id)!;
    const all: Head[] = await ds.query(
      `SELECT aggregate_type AS t, aggregate_id::text AS id, aggregate_seq AS seq, hash FROM audit_checkpoint_heads WHERE checkpoint_id = $1`,
      [id],
    );
    if (!signedAsStored(c, all)) return { heads, bad: cpBreak(c, 'CHECKPOINT_MISMATCH') };
  }
  return { heads };
}

type ChainState = { id: string; type: string; seq: number; hash: string };

/** Recomputes one record against the chain state before it; null when it fits. */
function checkRecord(r: any, current: ChainState): AuditBreak['problem'] | null {
  if (r.aggregate_seq !== current.seq + 1) return 'SEQUENCE_GAP';
  if (r.prev_hash !== current.hash) return 'BROKEN_LINK';
  const expected = auditHash({
    aggregateType: r.aggregate_type,
    aggregateId: r.aggregate_id,
    aggregateSeq: r.aggregate_seq,
    eventId: r.event_id,
    eventType: r.event_type,
    payload: r.payload,
    actorUser: r.actor_user,
    actorRole: r.actor_role,
    actorInstitution: r.actor_institution,
    reason: r.reason,
    correlationId: r.correlation_id,
    causationId: r.causation_id,
    occurredAt: r.occurred_at,
    prevHash: r.prev_hash,
  });
  return expected === r.hash ? null : 'HASH_MISMATCH';
}

async function checkStoredHeads(ds: DataSource, heads: ChainState[]): Promise<AuditBreak | null> {
  for (const [type, table] of Object.entries(HEAD_TABLES)) {
    const ids = heads.filter((h) => h.type === type);
    if (!ids.length) continue;
    const stored: any[] = await ds.query(`SELECT id, chain_seq, chain_hash FROM ${table} WHERE id = ANY($1::uuid[])`, [ids.map((h) => h.id)]);
    const byId = new Map(stored.map((s) => [s.id, s]));
    for (const h of ids) {
      const s = byId.get(h.id);
      if (s && (s.chain_seq !== h.seq || s.chain_hash !== h.hash))
        return { seq: '?', aggregateType: type, aggregateId: h.id, aggregateSeq: s.chain_seq, problem: 'HEAD_MISMATCH' };
    }
  }
  return null;
}

/**
 * Records after a checkpoint: the chains with a record above its covering sequence are walked from
 * their signed head (not from genesis). A chain whose every record after the checkpoint was removed
 * has none to walk: its aggregate's stored head no longer matches, which `--full` compares for every chain.
 */
async function verifyAfter(ds: DataSource, list: CheckpointRow[], c: CheckpointRow, pageSize: number, only?: ReadonlySet<string>): Promise<AuditReport> {
  const ids: string[] = (await ds.query(`SELECT DISTINCT aggregate_id::text AS id FROM audit_log WHERE seq > $1`, [c.covering_seq])).map(
    (r: { id: string }) => r.id,
  );
  const { heads: signed, bad } = await signedHeadsAt(ds, list, c, ids);
  if (bad) return { ok: false, records: 0, chains: 0, firstBreak: bad };
  const all = ids.filter((id: string) => !only || only.has(id)).sort();
  let records = 0;
  const ends: ChainState[] = [];
  for (let i = 0; i < all.length; i += pageSize) {
    const batch = all.slice(i, i + pageSize);
    const from = batch.map((id) => signed.get(id)?.seq ?? 0);
    const rows: any[] = await ds.query(
      `SELECT a.seq::text, a.aggregate_type, a.aggregate_id, a.aggregate_seq, a.event_id, a.event_type, a.payload, a.actor_user, a.actor_role, a.actor_institution, a.reason, a.correlation_id, a.causation_id, a.occurred_at, a.prev_hash, a.hash
       FROM unnest($1::uuid[], $2::int[]) AS s(id, from_seq) JOIN audit_log a ON a.aggregate_id = s.id AND a.aggregate_seq > s.from_seq
       ORDER BY a.aggregate_id, a.aggregate_seq`,
      [batch, from],
    );
    let current: ChainState | null = null;
    for (const r of rows) {
      records++;
      if (!current || current.id !== r.aggregate_id) {
        if (current) ends.push(current);
        const h = signed.get(r.aggregate_id);
        current = { id: r.aggregate_id, type: r.aggregate_type, seq: h?.seq ?? 0, hash: h?.hash ?? GENESIS_HASH };
      }
      const problem = checkRecord(r, current);
      if (problem)
        return {
          ok: false,
          records,
          chains: ends.length + 1,
          firstBreak: { seq: r.seq, aggregateType: r.aggregate_type, aggregateId: r.aggregate_id, aggregateSeq: r.aggregate_seq, problem },
        };
      current.seq = r.aggregate_seq;
      current.hash = r.hash;
    }
    if (current) ends.push(current);
  }
  const head = await checkStoredHeads(ds, ends);
  return head ? { ok: false, records, chains: ends.length, firstBreak: head } : { ok: true, records, chains: ends.length };
}

/**
 * The verification `npm run audit:verify` and GET /audit/verify run: every checkpoint signature
 * and link first, then (incremental, the default) the last checkpoint's heads against the records
 * now at those positions and the records after it; or (full) every record from genesis and every
 * checkpoint's heads. Without any checkpoint, incremental is full.
 */
export async function verifyAudit(
  ds: DataSource,
  opts: { verifyKey: KeyObject; full?: boolean; pageSize?: number; districtId?: string },
): Promise<AuditReport> {
  const { list, bad } = await checkSignatures(ds, opts.verifyKey);
  const last = list[list.length - 1];
  const meta = { checkpoints: list.length, checkpoint: last ? infoOf(last) : null };
  if (bad) return { ok: false, records: 0, chains: 0, firstBreak: bad, mode: opts.full || !last ? 'full' : 'incremental', ...meta };
  if (opts.districtId) {
    // the district's aggregates, from their own tables (not from the log: that would read every record)
    const ids = new Set<string>(
      (await ds.query(`SELECT id::text AS id FROM (${DISTRICT_AGGREGATE_IDS('$1')}) x`, [opts.districtId])).map((r: { id: string }) => r.id),
    );
    if (last && !opts.full) {
      // Incremental, like the whole trail: the signed digest whole, its heads of the district's chains, then their records after it.
      const signed = await checkCheckpointHeads(ds, last, ids);
      if (signed) return { ok: false, records: 0, chains: 0, firstBreak: signed, mode: 'incremental', ...meta };
      return { ...(await verifyAfter(ds, list, last, opts.pageSize ?? 1000, ids)), mode: 'incremental', ...meta };
    }
    // Full: its chains from genesis (or their archive boundary), then the last checkpoint's heads of those chains.
    const chains = await verifyAuditChains(ds, { districtId: opts.districtId, pageSize: opts.pageSize });
    if (!chains.ok || !last) return { ...chains, mode: 'full', ...meta };
    const r = await checkCheckpointHeads(ds, last, ids);
    return r ? { ok: false, records: chains.records, chains: chains.chains, firstBreak: r, mode: 'full', ...meta } : { ...chains, mode: 'full', ...meta };
  }
  if (opts.full || !last) {
    const chains = await verifyAuditChains(ds, { pageSize: opts.pageSize });
    if (!chains.ok) return { ...chains, mode: 'full', ...meta };
    // a checkpoint signed while a now-detached month was open names heads inside it: its archive vouches for those
    const [{ gone }] = await ds.query(
      `SELECT coalesce(max(x.last_seq), 0)::text AS gone FROM audit_archives x
       WHERE NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = to_regclass(x.partition_name) AND i.inhparent = 'audit_log'::regclass)`,
    );
    for (const c of list) {
      if (BigInt(c.covering_seq) <= BigInt(gone)) continue;
      const r = await checkCheckpointHeads(ds, c);
      if (r) return { ok: false, records: chains.records, chains: chains.chains, firstBreak: r, mode: 'full', ...meta };
    }
    return { ...chains, mode: 'full', ...meta };
  }
  const signed = await checkCheckpointHeads(ds, last);
  if (signed) return { ok: false, records: 0, chains: 0, firstBreak: signed, mode: 'incremental', ...meta };
  return { ...(await verifyAfter(ds, list, last, opts.pageSize ?? 1000)), mode: 'incremental', ...meta };
}

/** Verifies (incrementally) and, only when the trail holds, signs a new checkpoint over it. */
export async function verifyAndCheckpoint(
  ds: DataSource,
  keys: { verifyKey: KeyObject; signingKey?: KeyObject },
  opts: { full?: boolean; onlyIfChanged?: boolean } = {},
): Promise<{ report: AuditReport; written: CheckpointInfo | null }> {
  const report = await verifyAudit(ds, { verifyKey: keys.verifyKey, full: opts.full });
  const written =
    report.ok && keys.signingKey
      ? await writeAuditCheckpoint(ds, keys.signingKey, { onlyIfChanged: opts.onlyIfChanged === true } as { onlyIfChanged: true })
      : null;
  return { report, written };
}
