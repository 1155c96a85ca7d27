import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { LapseReturnHoldCommand } from './lapse-return-hold.command';

@CommandHandler(LapseReturnHoldCommand)
export class LapseReturnHoldHandler implements ICommandHandler<LapseReturnHoldCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: LapseReturnHoldCommand) {
    return this.uow.run(ctx, async (tx) => {
      authorize(ctx.actor, type, {});
      const bed = await tx.getBed(p.bedId);
      if (!bed.endReturnHold(ctx.now, 'lapsed', 'the return-hold days ran out'))
        throw new DomainError('INVALID_TRANSITION', `bed ${p.bedId} has no lapsed return hold`);
      return { bedId: bed.id };
    });
  }
}
