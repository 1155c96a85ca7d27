import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, Programme } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { RegisterProgrammeCommand } from './register-programme.command';

@CommandHandler(RegisterProgrammeCommand)
export class RegisterProgrammeHandler implements ICommandHandler<RegisterProgrammeCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: RegisterProgrammeCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = await tx.getInstitution(p.institutionId);
      authorize(ctx.actor, type, { districtId: inst.props.districtId, ownInstitutionId: inst.id });
      inst.assertMayHold(p.kind);
      const prog = Programme.register(
        {
          id: p.id ?? randomUUID(),
          institutionId: inst.id,
          districtId: inst.props.districtId,
          kind: p.kind,
          name: p.name,
          capacity: p.capacity,
          serviceArea: { areaCodes: p.areaCodes ?? [], radiusKm: p.radiusKm ?? null },
          services: p.services ?? [],
          minCareLevel: p.minCareLevel ?? null,
          maxCareLevel: p.maxCareLevel ?? null,
        },
        ctx.now,
      );
      tx.add(prog);
      return { programmeId: prog.id, capacity: prog.props.capacity };
    });
  }
}
