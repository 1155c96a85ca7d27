import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { ChangeProgrammeCapacityCommand } from './change-programme-capacity.command';

@CommandHandler(ChangeProgrammeCapacityCommand)
export class ChangeProgrammeCapacityHandler implements ICommandHandler<ChangeProgrammeCapacityCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: ChangeProgrammeCapacityCommand) {
    return this.uow.run(ctx, async (tx) => {
      const prog = await tx.getProgramme(p.programmeId);
      authorize(ctx.actor, type, { districtId: prog.props.districtId, ownInstitutionId: prog.props.institutionId });
      prog.changeCapacity(p.capacity, ctx.now, p.reason);
      return { programmeId: prog.id, capacity: prog.props.capacity, used: prog.used, free: prog.free };
    });
  }
}
