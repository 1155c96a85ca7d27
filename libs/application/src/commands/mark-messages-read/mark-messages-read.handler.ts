import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { MarkMessagesReadCommand } from './mark-messages-read.command';

@CommandHandler(MarkMessagesReadCommand)
export class MarkMessagesReadHandler implements ICommandHandler<MarkMessagesReadCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: MarkMessagesReadCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      const target = r.markThreadRead({ targetInstitutionId: p.targetInstitutionId, upToMessageId: p.upToMessageId }, ctx.actor, ctx.now);
      const marked = await tx.markMessagesRead({
        referralId: r.id,
        targetInstitutionId: target,
        readerInstitutionId: ctx.actor.institutionId!,
        upToMessageId: p.upToMessageId,
        readBy: ctx.actor.userId,
        at: ctx.now,
      });
      return referralResult(r, { targetInstitutionId: target, upToMessageId: p.upToMessageId, marked });
    });
  }
}
