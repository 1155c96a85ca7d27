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
      return referralResult(r);
    });
  }
}
