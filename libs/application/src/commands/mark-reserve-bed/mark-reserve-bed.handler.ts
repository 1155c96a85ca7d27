import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { MarkReserveBedCommand } from './mark-reserve-bed.command';

/**
 * The institution declares one of its beds reserve (surge) capacity, or takes it back into normal
 * use. A reserve bed leaves matching at once (the matcher, surge, waiting lists and every hold
 * refuse it) until the district coordinator opens it; a bed held for a referral stays held.
 */
@CommandHandler(MarkReserveBedCommand)
export class MarkReserveBedHandler implements ICommandHandler<MarkReserveBedCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: MarkReserveBedCommand) {
    return this.uow.run(ctx, async (tx) => {
      const bed = await tx.getBed(p.bedId);
      authorize(ctx.actor, type, { districtId: bed.props.districtId, ownInstitutionId: bed.props.institutionId });
      const changed = bed.markReserve(p.reserve, ctx.now, p.reason);
      return { bedId: bed.id, reserve: !!bed.props.reserve, open: !!bed.props.reserveOpen, changed };
    });
  }
}
