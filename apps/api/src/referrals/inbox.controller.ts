import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, READ_ERRORS } from '../http/api-docs';
import { DataSource } from 'typeorm';
import { Actor, ageOn, DISTRICT_ROLES, DomainError, notFound } from '@bedlink/domain';
import { CurrentActor } from '../http/auth';

/**
 * What a receiving nurse needs to decide: the offers waiting on the institution, most urgent and
 * soonest-due first, with time left and a patient summary (no identifiers: those are behind
 * GET /patients/:id, which is access-logged).
 */
@ApiTags('referrals')
@ApiBearerAuth()
@Controller('institutions')
export class InboxController {
  constructor(private readonly ds: DataSource) {}

  @Get(':id/inbox') @ApiOperation({ summary: 'Pending offers and placement requests for an institution, with time left' }) @ApiOkResponse({ description: 'offers, most urgent and soonest due first' }) @ApiErrors(...READ_ERRORS)
  async inbox(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() a: Actor) {
    const [inst] = await this.ds.query(`SELECT id, district_id FROM institutions WHERE id = $1`, [id]);
    if (!inst) throw notFound('INSTITUTION_NOT_FOUND', 'institution', id);
    const district = DISTRICT_ROLES.includes(a.role) && (!a.districtId || a.districtId === inst.district_id);
    if (!district && a.institutionId !== id) throw new DomainError('FORBIDDEN', 'an institution reads only its own inbox');
    const rows = await this.ds.query(
      `SELECT o.id AS offer_id, o.referral_id, o.state, o.deadline_at, o.created_at, o.viewed_at, o.target_bed_id,
              r.urgency, r.direction, r.requested_kind, r.services, r.care_level, r.clinical_summary, r.expected_arrival,
              r.origin_institution_id, i.name AS origin_name, p.sex, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date
         FROM offers o
         JOIN referrals r ON r.id = o.referral_id
         JOIN institutions i ON i.id = r.origin_institution_id
         JOIN patients p ON p.id = r.patient_id
        WHERE o.target_institution_id = $1 AND o.state IN ('PENDING','VIEWED')
        ORDER BY CASE r.urgency WHEN 'EMERGENCY' THEN 0 WHEN 'URGENT' THEN 1 ELSE 2 END, o.deadline_at NULLS LAST`,
      [id],
    );
    const now = Date.now();
    return rows.map((r: any) => ({
      offerId: r.offer_id,
      referralId: r.referral_id,
      state: r.state,
      urgency: r.urgency,
      direction: r.direction,
      requestedKind: r.requested_kind,
      services: r.services,
      suggestedBedId: r.target_bed_id,
      deadlineAt: r.deadline_at ? new Date(r.deadline_at).toISOString() : null,
      timeLeftMs: r.deadline_at ? Math.max(0, new Date(r.deadline_at).getTime() - now) : null,
      offeredAt: new Date(r.created_at).toISOString(),
      viewedAt: r.viewed_at ? new Date(r.viewed_at).toISOString() : null,
      origin: { institutionId: r.origin_institution_id, name: r.origin_name },
      patient: { sex: r.sex, age: ageOn(r.birth_date, new Date(now)), careLevel: r.care_level, clinicalSummary: r.clinical_summary, expectedArrival: r.expected_arrival ? new Date(r.expected_arrival).toISOString() : null },
    }));
  }
}
