import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError, MANUAL_BED_COMMANDS, manualCommandTowards } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { ChangeBedStatusCommand } from './change-bed-status.command';

@CommandHandler(ChangeBedStatusCommand)
export class ChangeBedStatusHandler implements ICommandHandler<ChangeBedStatusCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: ChangeBedStatusCommand) {
    return this.uow.run(ctx, async (tx) => {
      const bed = await tx.getBed(p.bedId);
      authorize(ctx.actor, type, { districtId: bed.props.districtId, ownInstitutionId: bed.props.institutionId });
      // A status report (ADT^A20) that the bed already has changes nothing: a repeated report is harmless.
      if (!p.command && p.toStatus === bed.status) return { bedId: bed.id, status: bed.status, changed: false };
      const command = p.command ?? (p.toStatus ? manualCommandTowards(bed.status, p.toStatus) : null);
      if (!command) {
        throw new DomainError(
          'INVALID_TRANSITION',
          p.toStatus === 'O' || bed.status === 'O'
            ? `bed ${bed.props.label} is ${bed.status}: occupancy changes through an admission or a discharge, not a status update`
            : `bed ${bed.props.label} is ${bed.status} and cannot be set to ${String(p.toStatus)} by hand`,
          { bedId: bed.id, status: bed.status, toStatus: p.toStatus ?? null },
        );
      }
      if (!MANUAL_BED_COMMANDS.includes(command)) {
        throw new DomainError('VALIDATION_FAILED', `${command} happens through a referral or an admission record, not by hand`);
      }
      // A held bed is promised to a patient: give the hold back first (RevokeAcceptance).
      if (bed.props.liveReservationId) {
        throw new DomainError('BED_ALREADY_RESERVED', `bed ${bed.props.label} is held for a referral; revoke the acceptance before changing its status`, {
          bedId: bed.id,
        });
      }
      bed.operate(command, ctx.now, p.reason);
      return { bedId: bed.id, status: bed.status, changed: true };
    });
  }
}
