import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { AbortTransferCommand } from './abort-transfer.command';

@CommandHandler(AbortTransferCommand)
export class AbortTransferHandler implements ICommandHandler<AbortTransferCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: AbortTransferCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.abortTransfer(ctx.actor, p.reason, ctx.now);
      // The patient never arrived: they go back to the bed they left, if nobody else has it since
      // (a return hold placed for them is used up the same way). Otherwise they have no bed, and the
      // answer says so: the origin finds them one.
      const originBedId = await tx.findTransferOriginBed(r.id);
      let returnedToBedId: string | null = null;
      if (originBedId) {
        const bed = await tx.getBed(originBedId);
        if (bed.returnTo(r.props.patientId, r.id, ctx.now, `transfer aborted: ${p.reason}`)) returnedToBedId = bed.id;
      }
      return referralResult(r, { returnedToBedId });
    });
  }
}
