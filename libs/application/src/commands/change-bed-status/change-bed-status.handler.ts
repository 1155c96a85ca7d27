import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError, MANUAL_BED_COMMANDS } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { ChangeBedStatusCommand } from './change-bed-status.command';

@CommandHandler(ChangeBedStatusCommand)
export class ChangeBedStatusHandler implements ICommandHandler<ChangeBedStatusCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: ChangeBedStatusCommand) {
    return this.uow.run(ctx, async (tx) => {
      const bed = await tx.getBed(p.bedId);
      authorize(ctx.actor, type, { districtId: bed.props.districtId, ownInstitutionId: bed.props.institutionId });
      if (!MANUAL_BED_COMMANDS.includes(p.command)) {
        throw new DomainError('VALIDATION_FAILED', `${p.command} happens through a referral (admission or transfer), not by hand`);
      }
      // A held bed is promised to a patient: give the hold back first (RevokeAcceptance).
      if (bed.props.liveReservationId) {
        throw new DomainError('BED_ALREADY_RESERVED', `bed ${bed.props.label} is held for a referral; revoke the acceptance before changing its status`, {
          bedId: bed.id,
        });
      }
      bed.operate(p.command, ctx.now, p.reason);
      return { bedId: bed.id, status: bed.status };
    });
  }
}
