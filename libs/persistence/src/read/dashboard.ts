import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead, BED_CATEGORIES, BED_CATEGORY_OF, BedCategory, BedKind, DECLINE_REASONS } from '@bedlink/domain';

export interface Counts {
  total: number;
  free: number;
  reserved: number;
  occupied: number;
  cleaning: number;
  closed: number;
}
export interface DashboardView {
  districtId: string;
  generatedAt: string;
  /** How far back flow figures reach (days). */
  windowDays: number;
  occupancy: {
    byCategory: Record<BedCategory, Counts>;
    byInstitution: { institutionId: string; name: string; type: string; byCategory: Partial<Record<BedCategory, Counts>>; total: Counts }[];
  };
  /** Hourly snapshots, one point per hour: occupied share of usable beds (total minus closed), per category. */
  history: { takenAt: string; byCategory: Partial<Record<BedCategory, { occupied: number; free: number; total: number }>> }[];
  funnel: { drafted: number; submitted: number; offered: number; accepted: number; admitted: number };
  /** Medians in minutes from submission, over the window's referrals that got there. */
  times: { toAcceptMedianMin: number | null; toAdmitMedianMin: number | null; accepted: number; admitted: number };
  declineReasons: { reason: string; n: number }[];
  nearDeadline: {
    offerId: string;
    referralId: string;
    targetInstitutionId: string;
    targetName: string;
    deadlineAt: string;
    urgency: string;
    minutesLeft: number;
  }[];
  breaches: { offersExpired: number; escalations: number; escalatedOpen: number };
  institutions: { id: string; name: string; type: string; lat: number | null; lng: number | null; free: number; total: number }[];
}

const zero = (): Counts => ({ total: 0, free: 0, reserved: 0, occupied: 0, cleaning: 0, closed: 0 });
const add = (a: Counts, r: Record<string, unknown>) => {
  a.total += Number(r.total);
  a.free += Number(r.free);
  a.reserved += Number(r.reserved);
  a.occupied += Number(r.occupied);
  a.cleaning += Number(r.cleaning);
  // the board's "closed" column counts isolated and contaminated beds too (as the console's board does)
  a.closed += Number(r.closed) + Number(r.isolated ?? 0) + Number(r.contaminated ?? 0);
};

/**
 * The district coordinator's dashboard, computed in one place so the console draws exactly what
 * the API answers: occupancy now (the bed board projection) and over the window (hourly
 * snapshots), the referral funnel and its times (from the audit trail), decline reasons, offers
 * about to run out, and the deadlines missed.
 */
@Injectable()
export class DashboardReads {
  constructor(private readonly ds: DataSource) {}

  async district(actor: Actor, districtId: string, opts: { windowDays?: number; nearMinutes?: number } = {}): Promise<DashboardView> {
    authorizeRead(actor, 'ReadDashboard', { districtId });
    const days = opts.windowDays ?? 30;
    const near = opts.nearMinutes ?? 60;
    const q = (sql: string, params: unknown[]) => this.ds.query(sql, params);
    const [board, insts, snaps, funnel, times, declines, nearRows, breaches] = await Promise.all([
      q(`SELECT * FROM bed_board WHERE district_id = $1`, [districtId]),
      q(`SELECT id, name, type, lat, lng FROM institutions WHERE district_id = $1 ORDER BY name`, [districtId]),
      q(
        `SELECT taken_at, kind, sum(total)::int AS total, sum(free)::int AS free, sum(occupied)::int AS occupied, sum(closed)::int AS closed
           FROM board_snapshots WHERE district_id = $1 AND taken_at > now() - make_interval(days => $2) GROUP BY taken_at, kind ORDER BY taken_at`,
        [districtId, days],
      ),
      q(
        `WITH r AS (SELECT id, state FROM referrals WHERE district_id = $1 AND created_at > now() - make_interval(days => $2)),
              e AS (SELECT DISTINCT a.aggregate_id, a.event_type FROM audit_log a JOIN r ON r.id = a.aggregate_id
                     WHERE a.event_type IN ('ReferralSubmitted','OfferExtended','OfferAccepted'))
         SELECT (SELECT count(*) FROM r)::int AS drafted,
                (SELECT count(*) FROM e WHERE event_type = 'ReferralSubmitted')::int AS submitted,
                (SELECT count(*) FROM e WHERE event_type = 'OfferExtended')::int AS offered,
                (SELECT count(*) FROM e WHERE event_type = 'OfferAccepted')::int AS accepted,
                (SELECT count(*) FROM r WHERE state = 'COMPLETED')::int AS admitted`,
        [districtId, days],
      ),
      q(
        `WITH r AS (SELECT id FROM referrals WHERE district_id = $1 AND created_at > now() - make_interval(days => $2)),
              t AS (SELECT a.aggregate_id,
                           min(a.occurred_at) FILTER (WHERE a.event_type = 'ReferralSubmitted') AS submitted,
                           min(a.occurred_at) FILTER (WHERE a.event_type = 'OfferAccepted') AS accepted,
                           min(a.occurred_at) FILTER (WHERE a.event_type = 'ReferralCompleted') AS admitted
                      FROM audit_log a JOIN r ON r.id = a.aggregate_id GROUP BY a.aggregate_id)
         SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM accepted - submitted)) FILTER (WHERE accepted IS NOT NULL AND submitted IS NOT NULL) AS to_accept,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM admitted - submitted)) FILTER (WHERE admitted IS NOT NULL AND submitted IS NOT NULL) AS to_admit,
                count(*) FILTER (WHERE accepted IS NOT NULL AND submitted IS NOT NULL)::int AS n_accept,
                count(*) FILTER (WHERE admitted IS NOT NULL AND submitted IS NOT NULL)::int AS n_admit
           FROM t`,
        [districtId, days],
      ),
      q(
        `SELECT o.decline_reason AS reason, count(*)::int AS n FROM offers o JOIN referrals r ON r.id = o.referral_id
          WHERE r.district_id = $1 AND o.state = 'DECLINED' AND o.answered_at > now() - make_interval(days => $2) GROUP BY o.decline_reason ORDER BY n DESC, reason`,
        [districtId, days],
      ),
      q(
        `SELECT o.id, o.referral_id, o.target_institution_id, i.name, o.deadline_at, r.urgency FROM offers o
           JOIN referrals r ON r.id = o.referral_id JOIN institutions i ON i.id = o.target_institution_id
          WHERE r.district_id = $1 AND o.state IN ('PENDING','VIEWED') AND o.deadline_at IS NOT NULL AND o.deadline_at < now() + make_interval(mins => $2)
          ORDER BY o.deadline_at LIMIT 50`,
        [districtId, near],
      ),
      q(
        `SELECT (SELECT count(*) FROM offers o JOIN referrals r ON r.id = o.referral_id
                  WHERE r.district_id = $1 AND o.state = 'EXPIRED' AND o.deadline_at > now() - make_interval(days => $2))::int AS expired,
                (SELECT count(*) FROM audit_log a JOIN referrals r ON r.id = a.aggregate_id
                  WHERE r.district_id = $1 AND a.event_type = 'ReferralEscalated' AND a.occurred_at > now() - make_interval(days => $2))::int AS escalations,
                (SELECT count(*) FROM referrals WHERE district_id = $1 AND state = 'ESCALATED')::int AS open`,
        [districtId, days],
      ),
    ]);

    const byCategory = Object.fromEntries(BED_CATEGORIES.map((c) => [c, zero()])) as Record<BedCategory, Counts>;
    const perInst = new Map<string, { byCategory: Partial<Record<BedCategory, Counts>>; total: Counts }>();
    for (const r of board) {
      const cat = BED_CATEGORY_OF[r.kind as BedKind];
      if (!cat) continue;
      add(byCategory[cat], r);
      const inst = perInst.get(r.institution_id) ?? { byCategory: {}, total: zero() };
      add((inst.byCategory[cat] ??= zero()), r);
      add(inst.total, r);
      perInst.set(r.institution_id, inst);
    }
    const history = new Map<string, Partial<Record<BedCategory, { occupied: number; free: number; total: number }>>>();
    for (const s of snaps) {
      const cat = BED_CATEGORY_OF[s.kind as BedKind];
      if (!cat) continue;
      const at = new Date(s.taken_at).toISOString();
      const point = history.get(at) ?? {};
      const c = (point[cat] ??= { occupied: 0, free: 0, total: 0 });
      c.occupied += s.occupied;
      c.free += s.free;
      c.total += s.total - s.closed;
      history.set(at, point);
    }
    const f = funnel[0];
    const tm = times[0];
    const mins = (s: unknown) => (s === null || s === undefined ? null : Math.round(Number(s) / 6) / 10);
    const now = Date.now();
    return {
      districtId,
      generatedAt: new Date(now).toISOString(),
      windowDays: days,
      occupancy: {
        byCategory,
        byInstitution: insts
          .filter((i: any) => perInst.has(i.id))
          .map((i: any) => ({ institutionId: i.id, name: i.name, type: i.type, ...perInst.get(i.id)! })),
      },
      history: [...history].map(([takenAt, c]) => ({ takenAt, byCategory: c })),
      funnel: { drafted: f.drafted, submitted: f.submitted, offered: f.offered, accepted: f.accepted, admitted: f.admitted },
      times: { toAcceptMedianMin: mins(tm.to_accept), toAdmitMedianMin: mins(tm.to_admit), accepted: tm.n_accept, admitted: tm.n_admit },
      // every coded reason, zero included, so the chart's categories do not shift from day to day
      declineReasons: [
        ...declines.map((d: any) => ({ reason: d.reason ?? 'OTHER', n: d.n })),
        ...DECLINE_REASONS.filter((r) => !declines.some((d: any) => d.reason === r)).map((reason) => ({ reason, n: 0 })),
      ],
      nearDeadline: nearRows.map((o: any) => ({
        offerId: o.id,
        referralId: o.referral_id,
        targetInstitutionId: o.target_institution_id,
        targetName: o.name,
        deadlineAt: new Date(o.deadline_at).toISOString(),
        urgency: o.urgency,
        minutesLeft: Math.round((new Date(o.deadline_at).getTime() - now) / 60_000),
      })),
      breaches: { offersExpired: breaches[0].expired, escalations: breaches[0].escalations, escalatedOpen: breaches[0].open },
      institutions: insts.map((i: any) => ({
        id: i.id,
        name: i.name,
        type: i.type,
        lat: i.lat === null ? null : Number(i.lat),
        lng: i.lng === null ? null : Number(i.lng),
        free: perInst.get(i.id)?.total.free ?? 0,
        total: perInst.get(i.id)?.total.total ?? 0,
      })),
    };
  }
}
