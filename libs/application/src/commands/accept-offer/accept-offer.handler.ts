import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, checkCareEligibility, DomainError, isPhysical } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { holdUntil } from '../shared/timing';
import { AcceptOfferCommand } from './accept-offer.command';

/**
 * Locks the referral, then the bed (always in that order, so two accepts cannot deadlock),
 * checks the bed is the target's, of the requested kind, U and unheld; the partial unique index
 * on live reservations is the backstop if two transactions still race.
 */
@CommandHandler(AcceptOfferCommand)
export class AcceptOfferHandler implements ICommandHandler<AcceptOfferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: AcceptOfferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      const offer = r.offer(p.offerId);
      authorize(ctx.actor, type, referralAccess(r, p.offerId));
      const kind = r.props.requestedKind;
      const until = await holdUntil(this.policy, r, ctx.now);
      // Refuse by state before touching the bed or programme: a late accept gets INVALID_TRANSITION, not a capacity error.
      r.assertCan('AcceptOffer');
      if (!isPhysical(kind)) {
        const programmeId = p.programmeId ?? offer.targetProgrammeId;
        if (!programmeId) throw new DomainError('VALIDATION_FAILED', `${kind} places are home-programme slots: name the programme (programmeId)`);
        // Locks the programme row and counts its holds and enrolments under the lock (see Tx.getProgramme).
        const prog = await tx.getProgramme(programmeId);
        if (prog.props.institutionId !== offer.targetInstitutionId)
          throw new DomainError('BED_NOT_AT_TARGET', 'the programme belongs to another institution than the one the offer was made to');
        if (prog.props.kind !== kind) throw new DomainError('BED_KIND_MISMATCH', `programme is ${prog.props.kind}, the referral asks for ${kind}`);
        prog.assertHasRoom();
        const res = r.acceptOffer(p.offerId, { bedId: null, programmeId, holdUntil: until }, ctx.actor, ctx.now);
        prog.noteReserved();
        return referralResult(r, { offerId: p.offerId, reservationId: res.id, programmeId, holdUntil: until.toISOString() });
      }
      const bedId = p.bedId ?? offer.targetBedId;
      if (!bedId) throw new DomainError('VALIDATION_FAILED', 'name the bed (bedId) the patient will have');
      const bed = await tx.getBed(bedId);
      if (bed.props.institutionId !== offer.targetInstitutionId)
        throw new DomainError('BED_NOT_AT_TARGET', 'the bed belongs to another institution than the one the offer was made to');
      if (bed.props.kind !== kind) throw new DomainError('BED_KIND_MISMATCH', `bed is ${bed.props.kind}, the referral asks for ${kind}`);
      bed.assertReservable(r.props.patientId);
      if (bed.props.basicGuarantee) {
        const patient = await tx.getPatient(r.props.patientId);
        const verdict = checkCareEligibility(await this.policy.forDistrict(r.props.districtId), kind, patient.props.assessment, ctx.now, {
          basicGuaranteeBed: true,
          hardship: patient.props.hardship,
          birthDate: patient.props.birthDate,
        });
        if (!verdict.ok) throw new DomainError(verdict.code, verdict.message, verdict.details);
      }
      const res = r.acceptOffer(p.offerId, { bedId, programmeId: null, holdUntil: until }, ctx.actor, ctx.now);
      return referralResult(r, { offerId: p.offerId, reservationId: res.id, bedId, holdUntil: until.toISOString() });
    });
  }
}
