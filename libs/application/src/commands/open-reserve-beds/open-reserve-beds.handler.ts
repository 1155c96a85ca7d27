import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { OpenReserveBedsCommand } from './open-reserve-beds.command';

/**
 * The district coordinator opens reserve (surge) beds to matching, or closes them again, all or
 * none in one transaction. Beds are locked in id order (two coordinators opening overlapping sets
 * cannot deadlock); every bed must be in the coordinator's district, and a bed that is not reserve
 * capacity refuses the whole command, so a typo never opens half a ward.
 */
@CommandHandler(OpenReserveBedsCommand)
export class OpenReserveBedsHandler implements ICommandHandler<OpenReserveBedsCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: OpenReserveBedsCommand) {
    return this.uow.run(ctx, async (tx) => {
      const ids = [...new Set(p.bedIds)].sort();
      if (!ids.length) throw new DomainError('VALIDATION_FAILED', 'name at least one bed', { fields: ['bedIds'] });
      const beds = [];
      for (const id of ids) {
        const bed = await tx.getBed(id);
        authorize(ctx.actor, type, { districtId: bed.props.districtId });
        beds.push(bed);
      }
      const out = beds.map((b) => ({ bedId: b.id, institutionId: b.props.institutionId, changed: b.openReserve(p.open, ctx.now, p.reason) }));
      return { open: p.open, beds: out, changed: out.filter((b) => b.changed).length };
    });
  }
}
