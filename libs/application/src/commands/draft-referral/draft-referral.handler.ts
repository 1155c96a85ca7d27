import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DEFAULT_ORIGIN_KIND, directionOf, DomainError, Referral } from '@bedlink/domain';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { DraftReferralCommand } from './draft-referral.command';

@CommandHandler(DraftReferralCommand)
export class DraftReferralHandler implements ICommandHandler<DraftReferralCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: DraftReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const originId = ctx.actor.institutionId;
      if (!originId) throw new DomainError('FORBIDDEN', 'a referral is drafted by an institution');
      const origin = await tx.getInstitution(originId);
      authorize(ctx.actor, type, { districtId: origin.props.districtId, originInstitutionId: origin.id });
      const patient = await tx.getPatient(p.patientId);
      const referralId = p.referralId ?? randomUUID();
      // Drafting makes the origin "involved" and so entitled to read the patient's record: only an
      // institution that already has the patient (registered them, or was offered them) may do it.
      if (!(await tx.patientInvolvement(p.patientId)).institutions.includes(origin.id)) {
        throw new DomainError('FORBIDDEN', 'this patient is not in the care of your institution', { role: ctx.actor.role, action: type });
      }
      let originKind = p.originKind ?? DEFAULT_ORIGIN_KIND[origin.props.type];
      if (p.originBedId) {
        const bed = await tx.getBed(p.originBedId);
        if (bed.props.institutionId !== origin.id) throw new DomainError('BED_NOT_AT_TARGET', 'the origin bed belongs to another institution');
        if (bed.props.occupantPatientId && bed.props.occupantPatientId !== p.patientId)
          throw new DomainError('VALIDATION_FAILED', 'the origin bed is occupied by another patient');
        originKind = bed.props.kind;
      } else if (!origin.mayHold(originKind)) {
        throw new DomainError('BED_KIND_MISMATCH', `a ${origin.props.type} does not hold ${originKind} beds`);
      }
      // 家庭医生: refers its own signed residents, and only upward (down and across is the planners' work).
      if (ctx.actor.role === 'FAMILY_DOCTOR') {
        if (patient.props.familyDoctorInstitutionId !== origin.id)
          throw new DomainError('FORBIDDEN', 'a family doctor refers the residents signed with their own centre', { role: ctx.actor.role, action: type });
        if (directionOf(originKind, p.requestedKind) !== 'UPWARD')
          throw new DomainError('DIRECTION_NOT_ALLOWED', `a family doctor refers upward (to a hospital), not ${originKind} → ${p.requestedKind}`, {
            direction: directionOf(originKind, p.requestedKind),
          });
      }
      const liveId = await tx.findPatientLiveReferral(p.patientId);
      if (liveId) {
        // One live referral per patient, except that a deterioration (EMERGENCY, upward) replaces a planned downward move.
        const live = await tx.getReferral(liveId);
        const emergencyUp = p.urgency === 'EMERGENCY' && directionOf(originKind, p.requestedKind) === 'UPWARD';
        if (!(emergencyUp && live.props.direction === 'DOWNWARD')) {
          // Name the referral only to those involved in it: another institution in the patient's care learns no id it may not read.
          if (!live.involvedInstitutions().includes(origin.id))
            throw new DomainError('PATIENT_HAS_LIVE_REFERRAL', 'the patient already has a live referral from another institution');
          throw new DomainError('PATIENT_HAS_LIVE_REFERRAL', `patient already has live referral ${liveId}; cancel or complete it first`, {
            referralId: liveId,
          });
        }
        live.supersede(referralId, ctx.now);
      }
      const doc = await this.policy.forDistrict(origin.props.districtId);
      const referral = Referral.draft(
        {
          id: referralId,
          patientId: p.patientId,
          districtId: origin.props.districtId,
          originInstitutionId: origin.id,
          originBedId: p.originBedId ?? null,
          originKind,
          requestedKind: p.requestedKind,
          services: p.services,
          urgency: p.urgency,
          strategy: p.strategy ?? doc.defaultStrategy,
          fanout: p.fanout ?? doc.broadcastFanout,
          clinicalSummary: p.clinicalSummary,
          // The assessed grade is the patient's grade: a number typed by the planner only stands in when there is none.
          careLevel: patient.props.assessment?.grade ?? p.careLevel ?? null,
          consent: p.consent,
          expectedArrival: p.expectedArrival ? new Date(p.expectedArrival) : null,
          dispatch: p.dispatch ?? 'MANUAL',
          preferences: p.preferences ?? null,
        },
        ctx.actor,
        ctx.now,
      );
      tx.add(referral);
      return { referralId: referral.id, state: referral.state, direction: referral.props.direction, version: 1 };
    });
  }
}
