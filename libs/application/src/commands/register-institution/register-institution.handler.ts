import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, Institution } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { RegisterInstitutionCommand } from './register-institution.command';

@CommandHandler(RegisterInstitutionCommand)
export class RegisterInstitutionHandler implements ICommandHandler<RegisterInstitutionCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: RegisterInstitutionCommand) {
    return this.uow.run(ctx, async (tx) => {
      authorize(ctx.actor, type, { districtId: p.districtId });
      const inst = Institution.register(
        {
          id: p.id ?? randomUUID(),
          code: p.code,
          name: p.name,
          type: p.type,
          districtId: p.districtId,
          address: p.address ?? '',
          lat: p.lat ?? null,
          lng: p.lng ?? null,
          services: p.services ?? [],
        },
        ctx.now,
      );
      tx.add(inst);
      return { institutionId: inst.id };
    });
  }
}
