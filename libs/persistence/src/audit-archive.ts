import { createHash, createPublicKey, KeyObject, randomUUID, sign, verify } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { DataSource } from 'typeorm';
import { ArchivedHead, auditHash, AuditArchiveProps, DomainError, GENESIS_HASH, MONTH_PATTERN } from '@bedlink/domain';
import { auditKeyId } from '@bedlink/config';
import { headsDigest } from './audit-verifier';

/*
 * A closed month of the audit log as one gzipped NDJSON file:
 *   {"kind":"header", format, month, partition, from, to, createdAt, createdBy, keyId}
 *   {"kind":"row", seq, aggregateType, aggregateId, aggregateSeq, ... , prevHash, hash}   (by chain, then aggregate_seq)
 *   {"kind":"end", rows, firstSeq, lastSeq, chains, rowsSha256, startHeads, startDigest, endHeads, endDigest, prevSignature, signature}
 * startHeads are the records each chain stood at before the month (its "checkpoint before": the
 * engine checked each against the record before it, still attached or in an earlier archive);
 * endHeads where the month left it. The signature (Ed25519, the audit signing key) covers the
 * month, the counts, the digest of the row lines as written and both head digests, and links to
 * the previous month's archive signature. Offline verification needs the file and the public key.
 */

export const ARCHIVE_FORMAT = 'bedlink-audit-archive/v1';

export interface ArchiveSigned {
  month: string;
  partition: string;
  createdAt: string;
  rows: number;
  firstSeq: string | null;
  lastSeq: string | null;
  chains: number;
  rowsSha256: string;
  startDigest: string;
  endDigest: string;
  prevSignature: string | null;
}

export function archiveMessage(s: ArchiveSigned): Buffer {
  return Buffer.from(
    [
      ARCHIVE_FORMAT,
      s.month,
      s.partition,
      s.createdAt,
      s.rows,
      s.firstSeq ?? '-',
      s.lastSeq ?? '-',
      s.chains,
      s.rowsSha256,
      s.startDigest,
      s.endDigest,
      s.prevSignature ?? '-',
    ].join('\n'),
    'utf8',
  );
}

/** The Shanghai month YYYY-MM: its partition's name and bounds (UTC instants of local midnight). */
export function monthBounds(month: string): { partition: string; from: Date; to: Date; firstDay: string } {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new DomainError('VALIDATION_FAILED', `month must be YYYY-MM, not ${month}`, { path: '/month' });
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const from = new Date(Date.UTC(y, mo - 1, 1) - 8 * 3600_000);
  const to = new Date(Date.UTC(y, mo, 1) - 8 * 3600_000);
  return { partition: `audit_log_p${m[1]}${m[2]}`, from, to, firstDay: `${m[1]}-${m[2]}-01` };
}

interface ChainState {
  t: string;
  id: string;
  seq: number;
  hash: string;
}

export type ArchiveProblem =
  | 'FORMAT'
  | 'HASH_MISMATCH'
  | 'BROKEN_LINK'
  | 'SEQUENCE_GAP'
  | 'ROW_COUNT'
  | 'ROWS_DIGEST'
  | 'START_MISMATCH'
  | 'END_MISMATCH'
  | 'SIGNATURE'
  | 'PREVIOUS_MISMATCH';

/** Rows of a month, checked one by one against the chain state before them: the exporter and the offline verifier share it. */
class MonthChains {
  readonly start: ChainState[] = [];
  readonly end: ChainState[] = [];
  private current: ChainState | null = null;
  rows = 0;
  firstSeq: bigint | null = null;
  lastSeq: bigint | null = null;
  private readonly digest = createHash('sha256');

  /** One row line as written; null when it fits its chain, else what is wrong with it. */
  add(line: string, r: ArchiveRow): 'HASH_MISMATCH' | 'BROKEN_LINK' | 'SEQUENCE_GAP' | null {
    this.digest.update(this.rows ? `\n${line}` : line);
    this.rows++;
    const seq = BigInt(r.seq);
    if (this.firstSeq === null || seq < this.firstSeq) this.firstSeq = seq;
    if (this.lastSeq === null || seq > this.lastSeq) this.lastSeq = seq;
    if (!this.current || this.current.id !== r.aggregateId) {
      if (this.current && r.aggregateId <= this.current.id) return 'SEQUENCE_GAP';
      if (this.current) this.end.push(this.current);
      // a chain's first record this month: where it stood before is what that record links to
      const before = { t: r.aggregateType, id: r.aggregateId, seq: r.aggregateSeq - 1, hash: r.prevHash };
      if (before.seq < 0) return 'SEQUENCE_GAP';
      if (before.seq === 0 && r.prevHash !== GENESIS_HASH) return 'BROKEN_LINK';
      if (before.seq > 0) this.start.push(before);
      this.current = { ...before };
    }
    if (r.aggregateSeq !== this.current.seq + 1) return 'SEQUENCE_GAP';
    if (r.prevHash !== this.current.hash) return 'BROKEN_LINK';
    const expected = auditHash({
      aggregateType: r.aggregateType,
      aggregateId: r.aggregateId,
      aggregateSeq: r.aggregateSeq,
      eventId: r.eventId,
      eventType: r.eventType,
      payload: r.payload,
      actorUser: r.actorUser,
      actorRole: r.actorRole,
      actorInstitution: r.actorInstitution,
      reason: r.reason,
      correlationId: r.correlationId,
      causationId: r.causationId,
      occurredAt: new Date(r.occurredAt),
      prevHash: r.prevHash,
    });
    if (expected !== r.hash) return 'HASH_MISMATCH';
    this.current.seq = r.aggregateSeq;
    this.current.hash = r.hash;
    return null;
  }

  finish(): { rowsSha256: string; start: ArchivedHead[]; end: ArchivedHead[] } {
    if (this.current) this.end.push(this.current);
    this.current = null;
    return { rowsSha256: this.digest.digest('hex'), start: this.start, end: this.end };
  }
}

export interface ArchiveRow {
  kind: 'row';
  seq: string;
  aggregateType: string;
  aggregateId: string;
  aggregateSeq: number;
  eventId: string;
  eventType: string;
  payload: unknown;
  actorUser: string;
  actorRole: string;
  actorInstitution: string | null;
  reason: string | null;
  correlationId: string | null;
  causationId: string | null;
  occurredAt: string;
  prevHash: string;
  hash: string;
}

const ROW_COLUMNS = `seq::text, aggregate_type, aggregate_id::text, aggregate_seq, event_id::text, event_type, payload, actor_user, actor_role, actor_institution, reason,
  correlation_id, causation_id, occurred_at, prev_hash, hash`;

function rowOf(r: any): ArchiveRow {
  return {
    kind: 'row',
    seq: r.seq,
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
    occurredAt: (r.occurred_at as Date).toISOString(),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

const trailBroken = (month: string, problem: string, r: { aggregateType: string; aggregateId: string; aggregateSeq: number; seq?: string }) =>
  new DomainError('AUDIT_TRAIL_BROKEN', `the ${month} audit trail does not verify: ${problem} at ${r.aggregateType} ${r.aggregateId} seq ${r.aggregateSeq}`, {
    problem,
    aggregateType: r.aggregateType,
    aggregateId: r.aggregateId,
    aggregateSeq: r.aggregateSeq,
    ...(r.seq ? { auditSeq: r.seq } : {}),
  });

/**
 * Writes a closed month's file and answers what the archive record keeps. Reads outside the
 * command's transaction (a month of a city is millions of rows): sound because the month is
 * closed and its rows are insert-only; the detach re-counts the partition under a lock, so a
 * row that still slipped in after the export refuses the detach instead of being lost.
 * Refused: an open month (its end not yet an hour past by the database's clock), a month
 * already archived, an earlier month still attached and not archived (archives chain month by
 * month), rows in the DEFAULT partition for the month, a row that does not verify.
 */
export class AuditArchiveExporter {
  constructor(
    private readonly ds: DataSource,
    private readonly opts: { signingKey?: KeyObject; dir: string; pageSize?: number },
  ) {}

  async export(month: string, createdBy: string): Promise<Omit<AuditArchiveProps, 'id'> & { path: string }> {
    const b = monthBounds(month);
    if (!this.opts.signingKey) throw new DomainError('VALIDATION_FAILED', 'AUDIT_SIGNING_KEY is not configured here: an archive must be signed');
    const [{ closed, attached }] = await this.ds.query(
      `SELECT $1::timestamptz <= now() - interval '1 hour' AS closed,
              EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($2) AND inhparent = 'audit_log'::regclass) AS attached`,
      [b.to, b.partition],
    );
    if (!closed)
      throw new DomainError('VALIDATION_FAILED', `${month} is not closed yet: a month is archived once it has ended (Shanghai time)`, { path: '/month' });
    if (!attached) throw new DomainError('VALIDATION_FAILED', `there is no attached audit partition for ${month}`, { path: '/month' });
    const [done] = await this.ds.query(`SELECT id FROM audit_archives WHERE month = $1`, [b.firstDay]);
    if (done) throw new DomainError('ALREADY_EXISTS', `${month} is already archived`, { archiveId: done.id });
    const earlier = await this.ds.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_log'::regclass AND c.relname ~ '^audit_log_p[0-9]{6}$' AND c.relname < $1
         AND NOT EXISTS (SELECT 1 FROM audit_archives a WHERE a.partition_name = c.relname) ORDER BY c.relname LIMIT 1`,
      [b.partition],
    );
    if (earlier.length)
      throw new DomainError('VALIDATION_FAILED', `${earlier[0].relname} is older and not archived: archive months oldest first`, { path: '/month' });
    const [stray] = await this.ds.query(`SELECT count(*)::int AS n FROM audit_log_default WHERE occurred_at >= $1 AND occurred_at < $2`, [b.from, b.to]);
    if (stray.n) throw new DomainError('VALIDATION_FAILED', `${stray.n} record(s) of ${month} wait in the default partition`, { path: '/month' });
    const [prev] = await this.ds.query(`SELECT signature FROM audit_archives ORDER BY month DESC LIMIT 1`);

    const createdAt = new Date().toISOString();
    const keyId = auditKeyId(createPublicKey(this.opts.signingKey));
    await mkdir(this.opts.dir, { recursive: true });
    const fileName = `audit-${month}.ndjson.gz`;
    const path = join(this.opts.dir, fileName);
    const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.part`;
    const chains = new MonthChains();
    const ds = this.ds;
    const pageSize = this.opts.pageSize ?? 5000;
    let trailer: ArchiveSigned & { startHeads: ArchivedHead[]; endHeads: ArchivedHead[]; signature: string };
    const lookupStarts = (heads: ArchivedHead[]) => this.checkStarts(month, heads);
    const signingKey = this.opts.signingKey;

    async function* lines(): AsyncGenerator<string> {
      yield (
        JSON.stringify({ kind: 'header', format: ARCHIVE_FORMAT, month, partition: b.partition, from: b.from, to: b.to, createdAt, createdBy, keyId }) + '\n'
      );
      let cursor: [string, number] | null = null;
      let checked = 0;
      for (;;) {
        const rows: any[] = await ds.query(
          `SELECT ${ROW_COLUMNS} FROM audit_log WHERE occurred_at >= $1 AND occurred_at < $2 ${cursor ? 'AND (aggregate_id, aggregate_seq) > ($4::uuid, $5)' : ''}
           ORDER BY aggregate_id, aggregate_seq LIMIT $3`,
          cursor ? [b.from, b.to, pageSize, ...cursor] : [b.from, b.to, pageSize],
        );
        for (const raw of rows) {
          const r = rowOf(raw);
          const line = JSON.stringify(r);
          const problem = chains.add(line, r);
          if (problem) throw trailBroken(month, problem, r);
          yield line + '\n';
        }
        // the records before the month each new chain links to, checked page by page
        await lookupStarts(chains.start.slice(checked));
        checked = chains.start.length;
        if (rows.length < pageSize) break;
        const last = rows[rows.length - 1];
        cursor = [last.aggregate_id, last.aggregate_seq];
      }
      const f = chains.finish();
      const signed: ArchiveSigned = {
        month,
        partition: b.partition,
        createdAt,
        rows: chains.rows,
        firstSeq: chains.firstSeq?.toString() ?? null,
        lastSeq: chains.lastSeq?.toString() ?? null,
        chains: f.end.length,
        rowsSha256: f.rowsSha256,
        startDigest: headsDigest(f.start),
        endDigest: headsDigest(f.end),
        prevSignature: (prev?.signature as string | undefined) ?? null,
      };
      trailer = { ...signed, startHeads: f.start, endHeads: f.end, signature: sign(null, archiveMessage(signed), signingKey).toString('base64') };
      yield JSON.stringify({ kind: 'end', ...trailer });
    }

    const fileHash = createHash('sha256');
    try {
      const gz = createGzip();
      gz.on('data', (c: Buffer) => fileHash.update(c));
      await pipeline(Readable.from(lines()), gz, createWriteStream(tmp));
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    const t = trailer!;
    return {
      month,
      partitionName: b.partition,
      rowCount: t.rows,
      firstSeq: t.firstSeq,
      lastSeq: t.lastSeq,
      chains: t.chains,
      rowsSha256: t.rowsSha256,
      startDigest: t.startDigest,
      endDigest: t.endDigest,
      endHeads: t.endHeads,
      fileName,
      fileSha256: fileHash.digest('hex'),
      fileBytes: (await stat(path)).size,
      keyId,
      prevSignature: t.prevSignature,
      signature: t.signature,
      createdAt: new Date(createdAt),
      createdBy,
      path,
    };
  }

  /**
   * Each chain's record before the month, where it is now: an attached month (by the
   * per-partition unique indexes; usually an earlier one, a later one when the clocks of two
   * processes disagreed around midnight) or, once detached, the end heads of the archive that took it.
   */
  private async checkStarts(month: string, heads: ArchivedHead[]): Promise<void> {
    if (!heads.length) return;
    const found: { id: string; seq: number; hash: string }[] = await this.ds.query(
      `SELECT s.id::text AS id, s.seq, coalesce(a.hash, ar.hash) AS hash
       FROM unnest($1::uuid[], $2::int[]) AS s(id, seq)
       LEFT JOIN audit_log a ON a.aggregate_id = s.id AND a.aggregate_seq = s.seq
       LEFT JOIN LATERAL (SELECT h.hash FROM audit_archives x CROSS JOIN LATERAL jsonb_to_recordset(x.end_heads) AS h(id uuid, seq int, hash text)
                          WHERE h.id = s.id AND h.seq = s.seq LIMIT 1) ar ON a.hash IS NULL`,
      [heads.map((h) => h.id), heads.map((h) => h.seq)],
    );
    const byId = new Map(found.map((f) => [f.id, f.hash]));
    for (const h of heads) {
      const hash = byId.get(h.id);
      if (hash !== h.hash) throw trailBroken(month, hash ? 'BROKEN_LINK' : 'SEQUENCE_GAP', { aggregateType: h.t, aggregateId: h.id, aggregateSeq: h.seq + 1 });
    }
  }
}

export interface ArchiveVerification {
  ok: boolean;
  month?: string;
  partition?: string;
  rows: number;
  chains: number;
  keyId?: string;
  problem?: ArchiveProblem;
  /** A sentence naming what does not hold and where. */
  reason?: string;
  at?: { seq?: string; aggregateType?: string; aggregateId?: string; aggregateSeq?: number; line?: number };
  endDigest?: string;
  signature?: string;
  prevSignature?: string | null;
  startHeads?: ArchivedHead[];
  endHeads?: ArchivedHead[];
}

/**
 * Verifies an archive file with the public key only: every row recomputed along its chain from
 * the start heads, the row count and the digest of the row lines, both head digests, and the
 * signature over them. Streams the file (a month of a city does not fit in memory twice).
 */
export async function verifyArchiveFile(path: string, verifyKey: KeyObject): Promise<ArchiveVerification> {
  const chains = new MonthChains();
  let header: any = null;
  let end: any = null;
  let lineNo = 0;
  const fail = (problem: ArchiveProblem, reason: string, at?: ArchiveVerification['at']): ArchiveVerification => ({
    ok: false,
    month: header?.month,
    partition: header?.partition,
    rows: chains.rows,
    chains: chains.end.length,
    problem,
    reason,
    at,
  });
  const rl = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      lineNo++;
      if (!line) continue;
      let v: any;
      try {
        v = JSON.parse(line);
      } catch {
        return fail('FORMAT', `line ${lineNo} is not JSON`, { line: lineNo });
      }
      if (end) return fail('FORMAT', `line ${lineNo} follows the end record`, { line: lineNo });
      if (lineNo === 1) {
        if (v.kind !== 'header' || v.format !== ARCHIVE_FORMAT) return fail('FORMAT', `not a ${ARCHIVE_FORMAT} file (first line is no header)`, { line: 1 });
        header = v;
        continue;
      }
      if (v.kind === 'end') {
        end = v;
        continue;
      }
      if (v.kind !== 'row') return fail('FORMAT', `line ${lineNo}: unknown record kind ${String(v.kind)}`, { line: lineNo });
      const problem = chains.add(line, v as ArchiveRow);
      if (problem) {
        const at = { seq: v.seq, aggregateType: v.aggregateType, aggregateId: v.aggregateId, aggregateSeq: v.aggregateSeq, line: lineNo };
        const why: Record<string, string> = {
          HASH_MISMATCH: 'its hash does not match its content',
          BROKEN_LINK: 'it does not link to the record before it',
          SEQUENCE_GAP: 'a record is missing before it in its chain',
        };
        return fail(problem, `record ${v.aggregateType} ${v.aggregateId} seq ${v.aggregateSeq} (audit seq ${v.seq}, line ${lineNo}): ${why[problem]}`, at);
      }
    }
  } catch (e) {
    return fail('FORMAT', `the file cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!header) return fail('FORMAT', 'the file is empty');
  if (!end) return fail('FORMAT', 'the end record is missing (file cut short?)');
  const f = chains.finish();
  if (end.rows !== chains.rows) return fail('ROW_COUNT', `the file holds ${chains.rows} record(s), its end record signed ${end.rows}`);
  if (end.rowsSha256 !== f.rowsSha256) return fail('ROWS_DIGEST', 'the records are not the ones signed (their digest differs)');
  if (headsDigest(f.start) !== end.startDigest || headsDigest(end.startHeads ?? []) !== end.startDigest)
    return fail('START_MISMATCH', 'the chains do not start from the signed heads before the month');
  if (headsDigest(f.end) !== end.endDigest || headsDigest(end.endHeads ?? []) !== end.endDigest)
    return fail('END_MISMATCH', 'the chains do not end at the signed end checkpoint');
  const signed: ArchiveSigned = {
    month: header.month,
    partition: header.partition,
    createdAt: header.createdAt,
    rows: end.rows,
    firstSeq: end.firstSeq,
    lastSeq: end.lastSeq,
    chains: end.chains,
    rowsSha256: end.rowsSha256,
    startDigest: end.startDigest,
    endDigest: end.endDigest,
    prevSignature: end.prevSignature ?? null,
  };
  let good = false;
  try {
    good = verify(null, archiveMessage(signed), verifyKey, Buffer.from(String(end.signature), 'base64'));
  } catch {
    good = false;
  }
  const keyId = auditKeyId(verifyKey);
  if (!good)
    return fail(
      'SIGNATURE',
      `the end checkpoint's signature does not verify with key ${keyId}${header.keyId !== keyId ? ` (the file names key ${header.keyId})` : ''}`,
    );
  return {
    ok: true,
    month: header.month,
    partition: header.partition,
    rows: chains.rows,
    chains: f.end.length,
    keyId,
    endDigest: end.endDigest,
    signature: end.signature,
    prevSignature: end.prevSignature ?? null,
    startHeads: end.startHeads,
    endHeads: end.endHeads,
  };
}

/**
 * Several files, oldest month first: each verified alone, then linked — each archive signs the
 * previous one's signature, and every chain a month resumes must start where the latest earlier
 * file left it.
 */
export async function verifyArchiveFiles(paths: string[], verifyKey: KeyObject): Promise<ArchiveVerification[]> {
  const out: ArchiveVerification[] = [];
  const lastEnd = new Map<string, ArchivedHead>();
  for (const p of paths) {
    const v = await verifyArchiveFile(p, verifyKey);
    const prev = out[out.length - 1];
    if (v.ok && prev?.ok && v.prevSignature !== prev.signature) {
      out.push({ ...v, ok: false, problem: 'PREVIOUS_MISMATCH', reason: `${v.month} does not follow ${prev.month}: it signs another previous archive` });
      break;
    }
    if (v.ok) {
      const h = v.startHeads!.find((s) => lastEnd.has(s.id) && (lastEnd.get(s.id)!.seq !== s.seq || lastEnd.get(s.id)!.hash !== s.hash));
      if (h) {
        out.push({
          ...v,
          ok: false,
          problem: 'PREVIOUS_MISMATCH',
          reason: `${h.t} ${h.id} starts ${v.month} at seq ${h.seq}, not where the earlier file left it`,
          at: { aggregateType: h.t, aggregateId: h.id, aggregateSeq: h.seq },
        });
        break;
      }
      for (const e of v.endHeads!) lastEnd.set(e.id, e);
    }
    out.push(v);
    if (!v.ok) break;
  }
  return out;
}

/** Detaches an archived month (the database re-checks archive, count and order); answers the detached table's name. */
export async function detachAuditPartition(ds: DataSource, month: string): Promise<string> {
  const b = monthBounds(month);
  const [{ part }] = await ds.query(`SELECT bedlink_detach_audit_partition($1::date) AS part`, [b.firstDay]);
  return part;
}

/** Creates the missing month partitions of audit_log and outbox from one month to another (both included). */
export async function ensurePartitions(ds: DataSource, from: Date | string, to: Date | string): Promise<string[]> {
  const rows: { p: string }[] = await ds.query(
    `SELECT p FROM bedlink_ensure_partitions(bedlink_month_of($1::timestamptz), bedlink_month_of($2::timestamptz)) AS p`,
    [from, to],
  );
  return rows.map((r) => r.p);
}

/**
 * ArchiveAuditPartition as the operator runs it (npm run audit:archive): the engine's own handler
 * and unit of work, as the engine itself (SYSTEM) with the operator named as the user, under an
 * idempotency key per month (a second run answers the first run's result).
 */
export function archiveCommandContext(month: string, operator: string, now = new Date()) {
  return {
    commandId: `audit-archive:${month}`,
    commandType: 'ArchiveAuditPartition',
    actor: { userId: operator, role: 'SYSTEM' as const, institutionId: null, districtId: null },
    correlationId: randomUUID(),
    causationId: null,
    now,
  };
}
