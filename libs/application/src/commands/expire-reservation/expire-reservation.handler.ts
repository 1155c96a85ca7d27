import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { timingFor } from '../shared/timing';
import { ExpireReservationCommand } from './expire-reservation.command';

@CommandHandler(ExpireReservationCommand)
export class ExpireReservationHandler implements ICommandHandler<ExpireReservationCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: ExpireReservationCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.expireReservation(p.reservationId, await timingFor(this.policy, r), ctx.now, await tx.databaseNow());
      return referralResult(r);
    });
  }
}
