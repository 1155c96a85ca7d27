import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, isPhysical, returnHoldKindsOf } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { StartTransferCommand } from './start-transfer.command';

/** Discharge from the origin: the referral goes IN_TRANSFER and the origin bed to housekeeping (H). */
@CommandHandler(StartTransferCommand)
export class StartTransferHandler implements ICommandHandler<StartTransferCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: StartTransferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.assertCan('StartTransfer');
      // the patient's bed, family doctor and programmes in one read, after the referral's lock
      const where = await tx.patientWhereabouts(r.props.patientId);
      const originBedId = r.props.originBedId ?? where.occupiedBed;
      let left: string | null = null;
      if (originBedId && isPhysical(r.props.originKind)) {
        const bed = await tx.getBed(originBedId);
        if (bed.props.occupantPatientId === r.props.patientId) {
          left = bed.id;
          bed.discharge(r.id, ctx.now);
          // A resident going up to hospital keeps their bed for the district's return-hold days: care-home
          // beds always, and the other kinds the district names (a community rehab bed: SCENARIOS no. 5).
          const doc = await this.policy.forDistrict(r.props.districtId);
          const days = doc.returnHoldDays;
          if (r.props.direction === 'UPWARD' && returnHoldKindsOf(doc).includes(bed.props.kind) && days > 0) {
            bed.placeReturnHold(r.props.patientId, new Date(ctx.now.getTime() + days * 86_400_000), r.id, ctx.now);
          }
        }
      }
      // The bed actually left goes on the event: AbortTransfer gives the patient that bed back.
      r.startTransfer(ctx.actor, ctx.now, left, where.familyDoctor);
      // Leaving home for a physical bed frees every home slot the patient held; moving to another programme
      // of a home kind frees the slot of that kind only. The other home bed stays (两床融合: a home sickbed
      // and a home elderly-care bed together); ending it is EndStay (ENROLMENT_ENDED).
      for (const e of where.enrolments) {
        if (isPhysical(r.props.requestedKind) || e.kind === r.props.requestedKind)
          (await tx.getProgramme(e.programmeId)).endEnrolment(r.props.patientId, r.id, ctx.now);
      }
      return referralResult(r);
    });
  }
}
