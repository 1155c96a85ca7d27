import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead, DECLINE_REASONS, DomainError, notFound } from '@bedlink/domain';
import { CLOCK, Clock, POLICY, Policy } from '@bedlink/application';

export interface WaitingListItem {
  position: number;
  entryId: string;
  referralId: string;
  state: 'WAITING' | 'OFFERED';
  requestedKind: string;
  services: string[];
  urgency: string;
  careLevel: number | null;
  referralState: string;
  addedAt: string;
  waitedSeconds: number;
  offeredBedId: string | null;
}

/** One institution's figures over a date range (offers made in the range; list entries added or ended in it). */
export interface InstitutionKpis {
  institutionId: string;
  code: string;
  name: string;
  districtId: string;
  offers: number;
  accepted: number;
  declinedByProvider: number;
  declinedByPatient: number;
  /** Offers that lapsed unanswered: the response SLA (the offer window) was breached. */
  slaBreaches: number;
  /** Booked transports whose pickup window passed with the patient still at the origin (TRANSPORT_NO_SHOW), by receiving institution. */
  transportNoShows: number;
  /** Provider declines by reason code; patient declines are counted apart (declinedByPatient). */
  declineReasons: Record<string, number>;
  avgFirstResponseSeconds: number | null;
  avgTimeToAcceptanceSeconds: number | null;
  admissions: number;
  avgTimeToAdmissionSeconds: number | null;
  waitingNow: number;
  waitlisted: number;
  leftWaitingList: number;
  placedFromWaitingList: number;
  avgWaitSeconds: number | null;
}

export interface KpiFilter {
  /** Inclusive bounds as instants (the report turns local days into them). */
  from?: Date;
  to?: Date;
  districtId?: string;
  institutionId?: string;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);

/**
 * The figures per institution, in four grouped queries (offers, admissions, waiting list now,
 * waiting list in the range). Time to acceptance and to admission run from the referral's
 * submission (its ReferralSubmitted audit record); time to first response from the offer to its answer.
 */
export async function institutionKpis(ds: DataSource, f: KpiFilter): Promise<InstitutionKpis[]> {
  const params = [f.from ?? null, f.to ?? null, f.districtId ?? null, f.institutionId ?? null];
  const inst = `($3::text IS NULL OR i.district_id = $3) AND ($4::uuid IS NULL OR i.id = $4)`;
  // every query takes the same four parameters; one that ignores the range still names $1 and $2 so their types are known
  const rangeTyped = `($1::timestamptz IS NULL OR true) AND ($2::timestamptz IS NULL OR true)`;
  const inRange = (col: string) => `($1::timestamptz IS NULL OR ${col} >= $1) AND ($2::timestamptz IS NULL OR ${col} < $2)`;
  const [institutions, offers, reasons, admissions, waitingNow, waited, noShows] = await Promise.all([
    ds.query(`SELECT i.id, i.code, i.name, i.district_id FROM institutions i WHERE ${inst} AND ${rangeTyped} ORDER BY i.code`, params),
    ds.query(
      `WITH sub AS (SELECT aggregate_id, min(occurred_at) AS at FROM audit_log WHERE event_type = 'ReferralSubmitted' GROUP BY aggregate_id)
       SELECT o.target_institution_id AS id,
              count(*) AS offers,
              count(*) FILTER (WHERE o.state IN ('ACCEPTED', 'REVOKED')) AS accepted,
              count(*) FILTER (WHERE o.state = 'DECLINED' AND o.declined_by = 'PROVIDER') AS declined_provider,
              count(*) FILTER (WHERE o.state = 'DECLINED' AND o.declined_by = 'PATIENT') AS declined_patient,
              count(*) FILTER (WHERE o.state = 'EXPIRED') AS expired,
              avg(extract(epoch FROM o.answered_at - o.created_at)) FILTER (WHERE o.state IN ('ACCEPTED', 'REVOKED', 'DECLINED')) AS first_response,
              avg(extract(epoch FROM o.answered_at - sub.at)) FILTER (WHERE o.state IN ('ACCEPTED', 'REVOKED')) AS to_accept
         FROM offers o JOIN institutions i ON i.id = o.target_institution_id LEFT JOIN sub ON sub.aggregate_id = o.referral_id
        WHERE ${inst} AND ${inRange('o.created_at')}
        GROUP BY o.target_institution_id`,
      params,
    ),
    ds.query(
      `SELECT o.target_institution_id AS id, o.decline_reason AS reason, count(*) AS n
         FROM offers o JOIN institutions i ON i.id = o.target_institution_id
        WHERE ${inst} AND ${inRange('o.created_at')} AND o.state = 'DECLINED' AND o.declined_by = 'PROVIDER'
        GROUP BY 1, 2`,
      params,
    ),
    ds.query(
      `WITH sub AS (SELECT aggregate_id, min(occurred_at) AS at FROM audit_log WHERE event_type = 'ReferralSubmitted' GROUP BY aggregate_id)
       SELECT x.institution_id AS id, count(*) AS admissions, avg(extract(epoch FROM x.ended_at - sub.at)) AS to_admit
         FROM reservations x JOIN offers o ON o.id = x.offer_id JOIN institutions i ON i.id = x.institution_id
         LEFT JOIN sub ON sub.aggregate_id = x.referral_id
        WHERE ${inst} AND ${inRange('o.created_at')} AND x.state = 'CONSUMED'
        GROUP BY 1`,
      params,
    ),
    ds.query(
      `SELECT w.institution_id AS id, count(*) AS n FROM waiting_list_entries w JOIN institutions i ON i.id = w.institution_id
        WHERE ${inst} AND w.state IN ('WAITING', 'OFFERED') AND ${rangeTyped} -- now, whatever the range
        GROUP BY 1`,
      params,
    ),
    ds.query(
      `SELECT w.institution_id AS id,
              count(*) FILTER (WHERE ${inRange('w.added_at')}) AS added,
              count(*) FILTER (WHERE w.ended_at IS NOT NULL AND ${inRange('w.ended_at')}) AS left_list,
              count(*) FILTER (WHERE w.state = 'PLACED' AND ${inRange('w.ended_at')}) AS placed,
              avg(extract(epoch FROM w.ended_at - w.added_at)) FILTER (WHERE w.ended_at IS NOT NULL AND ${inRange('w.ended_at')}) AS waited
         FROM waiting_list_entries w JOIN institutions i ON i.id = w.institution_id
        WHERE ${inst}
        GROUP BY 1`,
      params,
    ),
    ds.query(
      `SELECT x.institution_id AS id, count(DISTINCT r.id) AS n
         FROM referrals r JOIN reservations x ON x.referral_id = r.id AND x.state IN ('HELD', 'CONSUMED', 'RELEASED', 'EXPIRED')
         JOIN institutions i ON i.id = x.institution_id
        WHERE ${inst} AND r.transport->>'noShowAt' IS NOT NULL AND ${inRange("(r.transport->>'noShowAt')::timestamptz")}
          AND x.created_at <= (r.transport->>'noShowAt')::timestamptz AND (x.ended_at IS NULL OR x.ended_at >= (r.transport->>'noShowAt')::timestamptz)
        GROUP BY 1`,
      params,
    ),
  ]);
  const by = (rows: any[]) => new Map<string, any>(rows.map((r) => [r.id, r]));
  const o = by(offers);
  const a = by(admissions);
  const wn = by(waitingNow);
  const wr = by(waited);
  const ns = by(noShows);
  const why = new Map<string, Record<string, number>>();
  for (const r of reasons) why.set(r.id, { ...why.get(r.id), [r.reason]: Number(r.n) });
  return institutions.map((i: any): InstitutionKpis => {
    const of = o.get(i.id) ?? {};
    const ad = a.get(i.id) ?? {};
    const w = wr.get(i.id) ?? {};
    return {
      institutionId: i.id,
      code: i.code,
      name: i.name,
      districtId: i.district_id,
      offers: Number(of.offers ?? 0),
      accepted: Number(of.accepted ?? 0),
      declinedByProvider: Number(of.declined_provider ?? 0),
      declinedByPatient: Number(of.declined_patient ?? 0),
      slaBreaches: Number(of.expired ?? 0),
      transportNoShows: Number(ns.get(i.id)?.n ?? 0),
      declineReasons: why.get(i.id) ?? {},
      avgFirstResponseSeconds: num(of.first_response),
      avgTimeToAcceptanceSeconds: num(of.to_accept),
      admissions: Number(ad.admissions ?? 0),
      avgTimeToAdmissionSeconds: num(ad.to_admit),
      waitingNow: Number(wn.get(i.id)?.n ?? 0),
      waitlisted: Number(w.added ?? 0),
      leftWaitingList: Number(w.left_list ?? 0),
      placedFromWaitingList: Number(w.placed ?? 0),
      avgWaitSeconds: num(w.waited),
    };
  });
}

/** The CSV columns, in order: one row per institution and one per (institution, decline reason) would be two tables, so reasons are columns. */
export const KPI_CSV_COLUMNS = [
  'institutionId',
  'code',
  'name',
  'offers',
  'accepted',
  'declinedByProvider',
  'declinedByPatient',
  'slaBreaches',
  'transportNoShows',
  'avgFirstResponseSeconds',
  'avgTimeToAcceptanceSeconds',
  'admissions',
  'avgTimeToAdmissionSeconds',
  'waitingNow',
  'waitlisted',
  'leftWaitingList',
  'placedFromWaitingList',
  'avgWaitSeconds',
  ...DECLINE_REASONS.filter((r) => r !== 'PATIENT_OR_FAMILY_DECLINED').map((r) => `decline_${r}`),
] as const;

const csvCell = (v: string | number | null | undefined) => {
  const s = v === null || v === undefined ? '' : String(v);
  // a leading = + - @ would be a formula in a spreadsheet: quote it with a leading apostrophe
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function kpisToCsv(rows: InstitutionKpis[]): string {
  const lines = [KPI_CSV_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      KPI_CSV_COLUMNS.map((c) =>
        csvCell(c.startsWith('decline_') ? (r.declineReasons[c.slice('decline_'.length)] ?? 0) : (r[c as keyof InstitutionKpis] as string | number | null)),
      ).join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MAX_REPORT_DAYS = 366;

/** Waiting lists and the district coordinator's KPI report. */
@Injectable()
export class AroundReads {
  constructor(
    private readonly ds: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}

  /** An institution's own list (or its district's, to a district role), first first, without patient identifiers. */
  async waitingList(actor: Actor, institutionId: string): Promise<{ institutionId: string; entries: WaitingListItem[] }> {
    const [inst]: Array<{ id: string; district_id: string }> = await this.ds.query(`SELECT id, district_id FROM institutions WHERE id = $1`, [institutionId]);
    if (!inst) throw notFound('INSTITUTION_NOT_FOUND', 'institution', institutionId);
    authorizeRead(actor, 'ReadWaitingList', { districtId: inst.district_id, ownInstitutionId: institutionId });
    const rows: any[] = await this.ds.query(
      `SELECT w.id, w.referral_id, w.state, w.added_at, w.bed_id, r.requested_kind, r.services, r.urgency, r.care_level, r.state AS referral_state
         FROM waiting_list_entries w JOIN referrals r ON r.id = w.referral_id
        WHERE w.institution_id = $1 AND w.state IN ('WAITING', 'OFFERED') ORDER BY w.seq`,
      [institutionId],
    );
    const now = this.clock.now().getTime();
    return {
      institutionId,
      entries: rows.map((w, i) => ({
        position: i + 1,
        entryId: w.id,
        referralId: w.referral_id,
        state: w.state,
        requestedKind: w.requested_kind,
        services: w.services,
        urgency: w.urgency,
        careLevel: w.care_level,
        referralState: w.referral_state,
        addedAt: new Date(w.added_at).toISOString(),
        waitedSeconds: Math.max(0, Math.round((now - new Date(w.added_at).getTime()) / 1000)),
        offeredBedId: w.bed_id,
      })),
    };
  }

  /**
   * The district's figures per institution for the local days [from, to], optionally one institution.
   * Days are the district's (policy calendar.utcOffset), so a report "for the 1st" in Shanghai starts at
   * 00:00 +08:00, not at UTC midnight.
   */
  async kpiReport(actor: Actor, q: { from: string; to: string; institutionId?: string }) {
    authorizeRead(actor, 'ReadKpiReport', {});
    const districtId = actor.districtId!;
    const doc = await this.policy.forDistrict(districtId);
    const from = localDayStart(q.from, doc.calendar.utcOffset);
    const toExclusive = new Date(localDayStart(q.to, doc.calendar.utcOffset).getTime() + 86_400_000);
    const days = (toExclusive.getTime() - from.getTime()) / 86_400_000;
    if (days < 1) throw new DomainError('VALIDATION_FAILED', '`to` is before `from`');
    if (days > MAX_REPORT_DAYS) throw new DomainError('VALIDATION_FAILED', `a report covers at most ${MAX_REPORT_DAYS} days`);
    if (q.institutionId) {
      const [inst] = await this.ds.query(`SELECT district_id FROM institutions WHERE id = $1`, [q.institutionId]);
      // another district's institution is unknown here, like one that does not exist
      if (!inst || inst.district_id !== districtId) throw notFound('INSTITUTION_NOT_FOUND', 'institution', q.institutionId);
    }
    const institutions = await institutionKpis(this.ds, { from, to: toExclusive, districtId, institutionId: q.institutionId });
    return { districtId, from: from.toISOString(), toExclusive: toExclusive.toISOString(), utcOffset: doc.calendar.utcOffset, institutions };
  }
}

function localDayStart(day: string, utcOffset: string): Date {
  const m = DAY.exec(day);
  const o = /^([+-])(\d{2}):(\d{2})$/.exec(utcOffset);
  if (!m || !o) throw new DomainError('VALIDATION_FAILED', `"${day}" is not a day like 2026-11-01`);
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(utc) || new Date(utc).toISOString().slice(0, 10) !== day) throw new DomainError('VALIDATION_FAILED', `"${day}" is not a calendar day`);
  const off = (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) * 60_000;
  return new Date(utc - off);
}
