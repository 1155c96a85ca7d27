import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { UpdateInstitutionCommand } from './update-institution.command';

/** The district coordinator corrects an institution's registry facts; InstitutionUpdated says what changed. */
@CommandHandler(UpdateInstitutionCommand)
export class UpdateInstitutionHandler implements ICommandHandler<UpdateInstitutionCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: UpdateInstitutionCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = await tx.getInstitution(p.institutionId);
      authorize(ctx.actor, type, { districtId: inst.props.districtId });
      const { institutionId: _i, reason, ...change } = p;
      const changed = inst.update(change, ctx.now, reason);
      return { institutionId: inst.id, changed };
    });
  }
}
