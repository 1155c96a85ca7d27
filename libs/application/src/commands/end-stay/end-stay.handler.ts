import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, Bed, DomainError, LEAVES_NETWORK, Programme, Referral, StayEnd } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { EndStayCommand } from './end-stay.command';

/**
 * A stay ends without a referral: death, discharge home, a move out of the network, leaving against
 * advice, the end of a home enrolment. By the institution holding the stay. A physical bed goes to
 * housekeeping (H); a home slot is freed; StayEnded tells the family doctor's centre and closes the
 * stay in the journey.
 *
 * A live referral of the patient's from this institution: after DECEASED or TRANSFERRED_OUT_OF_NETWORK
 * it is cancelled (with every other live referral of the patient's, and any bed held for their return,
 * so no bed stays promised to someone who will not come); after any other reason the end is refused
 * (PATIENT_HAS_LIVE_REFERRAL): a patient leaving towards an accepted place is a transfer
 * (StartTransfer), and one leaving for home should have the referral cancelled by its author first.
 *
 * Locks in the order every admission takes them: referral, beds (id order), programme, patient.
 */
@CommandHandler(EndStayCommand)
export class EndStayHandler implements ICommandHandler<EndStayCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: EndStayCommand) {
    return this.uow.run(ctx, async (tx) => {
      if (p.bedId && p.programmeId) throw new DomainError('VALIDATION_FAILED', 'name the bed or the programme whose stay ends, not both');
      const liveId = await tx.findPatientLiveReferral(p.patientId);
      const live: Referral | null = liveId ? await tx.getReferral(liveId) : null;
      const leaves = LEAVES_NETWORK.includes(p.reason);

      const programmeId = p.programmeId ?? (p.bedId ? null : (await tx.findOccupiedBed(p.patientId)) ? null : await tx.findActiveEnrolment(p.patientId));
      const bedId = programmeId ? null : (p.bedId ?? (await tx.findOccupiedBed(p.patientId)));
      if (!bedId && !programmeId) throw new DomainError('STAY_NOT_FOUND', 'the patient holds no bed and no home-programme slot', { patientId: p.patientId });
      const holdId = leaves ? await tx.findReturnHoldBed(p.patientId) : null;
      const beds = new Map<string, Bed>();
      for (const id of [...new Set([bedId, holdId].filter((x): x is string => !!x))].sort()) beds.set(id, await tx.getBed(id));
      const programme: Programme | null = programmeId ? await tx.getProgramme(programmeId) : null;
      const place = bedId ? beds.get(bedId)!.props : programme!.props;
      authorize(ctx.actor, type, { districtId: place.districtId, ownInstitutionId: place.institutionId });

      if (live && live.state !== 'IN_TRANSFER') {
        if (leaves) live.cancel(ctx.actor, `stay ended: ${p.reason}`, ctx.now);
        else if (live.props.originInstitutionId === place.institutionId)
          throw new DomainError(
            'PATIENT_HAS_LIVE_REFERRAL',
            `the patient has live referral ${live.id} from this institution: start its transfer or cancel it first`,
            {
              referralId: live.id,
              state: live.state,
            },
          );
      }
      const patient = await tx.getPatient(p.patientId);
      const end: StayEnd = {
        patientId: p.patientId,
        reason: p.reason,
        familyDoctorInstitutionId: patient.props.familyDoctorInstitutionId ?? null,
        endedBy: ctx.actor.userId,
      };
      if (bedId) beds.get(bedId)!.endStay(end, ctx.now, p.note);
      else programme!.endStay(end, ctx.now, p.note);
      if (holdId && holdId !== bedId) beds.get(holdId)!.endReturnHold(ctx.now, 'released', `stay ended: ${p.reason}`);
      return {
        patientId: p.patientId,
        reason: p.reason,
        bedId,
        programmeId,
        ...(bedId ? { bedStatus: beds.get(bedId)!.status } : {}),
        ...(live && leaves && live.state === 'CANCELLED' ? { cancelledReferralId: live.id } : {}),
      };
    });
  }
}
