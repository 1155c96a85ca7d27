import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, Bed } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { RegisterBedCommand } from './register-bed.command';

@CommandHandler(RegisterBedCommand)
export class RegisterBedHandler implements ICommandHandler<RegisterBedCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: RegisterBedCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = await tx.getInstitution(p.institutionId);
      authorize(ctx.actor, type, { districtId: inst.props.districtId, ownInstitutionId: inst.id });
      inst.assertMayHold(p.kind);
      const bed = Bed.register(
        {
          id: p.id ?? randomUUID(),
          institutionId: inst.id,
          districtId: inst.props.districtId,
          kind: p.kind,
          ward: p.ward,
          label: p.label,
          services: p.services ?? [],
          sexRestriction: p.sexRestriction ?? null,
          minCareLevel: p.minCareLevel ?? null,
          maxCareLevel: p.maxCareLevel ?? null,
          isolationCapable: p.isolationCapable ?? false,
          basicGuarantee: p.basicGuarantee ?? false,
        },
        ctx.now,
      );
      tx.add(bed);
      return { bedId: bed.id, status: bed.status };
    });
  }
}
