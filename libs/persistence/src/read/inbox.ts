import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, ageOn, authorizeRead, notFound } from '@bedlink/domain';
import { CLOCK, Clock } from '@bedlink/application';

export interface InboxItem {
  offerId: string;
  referralId: string;
  state: string;
  urgency: string;
  direction: string;
  requestedKind: string;
  services: string[];
  suggestedBedId: string | null;
  deadlineAt: string | null;
  timeLeftMs: number | null;
  /** The receiver asked for more information and the clock stopped: timeLeftMs is what it will have. */
  paused: boolean;
  offeredAt: string;
  viewedAt: string | null;
  origin: { institutionId: string; name: string };
  patient: { sex: string; age: number | null; careLevel: number | null; clinicalSummary: string; expectedArrival: string | null };
}

/**
 * What a receiving nurse needs to decide: the offers waiting on the institution, most urgent and
 * soonest-due first, with time left (on the injected clock) and a patient summary without identifiers.
 */
@Injectable()
export class InboxReads {
  constructor(
    private readonly ds: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async inbox(actor: Actor, institutionId: string): Promise<InboxItem[]> {
    const [inst]: Array<{ id: string; district_id: string }> = await this.ds.query(`SELECT id, district_id FROM institutions WHERE id = $1`, [institutionId]);
    if (!inst) throw notFound('INSTITUTION_NOT_FOUND', 'institution', institutionId);
    // Its own inbox, or its district's to a district role; anyone else is refused (403: the institution is public).
    authorizeRead(actor, 'ReadInbox', { districtId: inst.district_id, ownInstitutionId: institutionId });
    const rows: any[] = await this.ds.query(
      `SELECT o.id AS offer_id, o.referral_id, o.state, o.deadline_at, o.paused_at, o.remaining_ms, o.created_at, o.viewed_at, o.target_bed_id,
              r.urgency, r.direction, r.requested_kind, r.services, r.care_level, r.clinical_summary, r.expected_arrival,
              r.origin_institution_id, i.name AS origin_name, p.sex, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date
         FROM offers o
         JOIN referrals r ON r.id = o.referral_id
         JOIN institutions i ON i.id = r.origin_institution_id
         JOIN patients p ON p.id = r.patient_id
        WHERE o.target_institution_id = $1 AND o.state IN ('PENDING','VIEWED')
        ORDER BY CASE r.urgency WHEN 'EMERGENCY' THEN 0 WHEN 'URGENT' THEN 1 ELSE 2 END, o.deadline_at NULLS LAST`,
      [institutionId],
    );
    const now = this.clock.now();
    return rows.map((r) => ({
      offerId: r.offer_id,
      referralId: r.referral_id,
      state: r.state,
      urgency: r.urgency,
      direction: r.direction,
      requestedKind: r.requested_kind,
      services: r.services,
      suggestedBedId: r.target_bed_id,
      deadlineAt: r.deadline_at ? new Date(r.deadline_at).toISOString() : null,
      timeLeftMs: r.paused_at ? Number(r.remaining_ms) : r.deadline_at ? Math.max(0, new Date(r.deadline_at).getTime() - now.getTime()) : null,
      paused: !!r.paused_at,
      offeredAt: new Date(r.created_at).toISOString(),
      viewedAt: r.viewed_at ? new Date(r.viewed_at).toISOString() : null,
      origin: { institutionId: r.origin_institution_id, name: r.origin_name },
      patient: {
        sex: r.sex,
        age: ageOn(r.birth_date, now),
        careLevel: r.care_level,
        clinicalSummary: r.clinical_summary,
        expectedArrival: r.expected_arrival ? new Date(r.expected_arrival).toISOString() : null,
      },
    }));
  }
}
