import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { FlagTransportNoShowCommand } from './flag-transport-no-show.command';

@CommandHandler(FlagTransportNoShowCommand)
export class FlagTransportNoShowHandler implements ICommandHandler<FlagTransportNoShowCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: FlagTransportNoShowCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.flagTransportNoShow(new Date(p.windowEndsAt), ctx.now);
      return referralResult(r, { transport: 'NO_SHOW' });
    });
  }
}
