import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { patientOf } from '../shared/patients';
import { CancelDischargeCommand } from './cancel-discharge.command';

/**
 * The discharge never happened: the bed, still in housekeeping (H), takes the patient back (H → O).
 * A discharge that started a referral's transfer is undone by aborting the transfer, not here.
 */
@CommandHandler(CancelDischargeCommand)
export class CancelDischargeHandler implements ICommandHandler<CancelDischargeCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: CancelDischargeCommand) {
    return this.uow.run(ctx, async (tx) => {
      const bed = await tx.getBed(p.bedId);
      authorize(ctx.actor, type, { districtId: bed.props.districtId, ownInstitutionId: bed.props.institutionId });
      const patientId = await patientOf(tx, p);
      if (await tx.findOccupiedBed(patientId))
        throw new DomainError('PATIENT_ALREADY_IN_BED', 'the patient occupies a bed of the network; a discharge cancelled puts them back only from nowhere');
      const live = await tx.findPatientLiveReferral(patientId);
      if (live && (await tx.getReferral(live)).state === 'IN_TRANSFER')
        throw new DomainError(
          'INVALID_TRANSITION',
          'the patient is in transfer under a referral: abort the transfer (AbortTransfer) instead of cancelling the discharge',
        );
      bed.cancelDischarge(patientId, ctx.now, p.reason);
      return { bedId: bed.id, patientId, status: bed.status };
    });
  }
}
