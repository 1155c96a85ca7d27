import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Agreement, authorize, BedKind, Direction, DomainError, Programme, ServiceCode } from '@bedlink/domain';
import { BedlinkCommand } from '../command';
import { UNIT_OF_WORK, UnitOfWork } from '../ports';

// ------------------------------------------------------------------ RegisterProgramme
export interface RegisterProgrammePayload {
  id?: string;
  institutionId: string;
  kind: BedKind;
  name: string;
  capacity: number;
  areaCodes?: string[];
  radiusKm?: number | null;
  services?: ServiceCode[];
  minCareLevel?: number | null;
  maxCareLevel?: number | null;
}
export class RegisterProgrammeCommand extends BedlinkCommand<RegisterProgrammePayload> {}

@CommandHandler(RegisterProgrammeCommand)
export class RegisterProgrammeHandler implements ICommandHandler<RegisterProgrammeCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: RegisterProgrammeCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = await tx.getInstitution(p.institutionId);
      authorize(ctx.actor, 'RegisterProgramme', { districtId: inst.props.districtId, ownInstitutionId: inst.id });
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

// ------------------------------------------------------------------ ChangeProgrammeCapacity
export interface ChangeProgrammeCapacityPayload {
  programmeId: string;
  capacity: number;
  reason?: string;
}
export class ChangeProgrammeCapacityCommand extends BedlinkCommand<ChangeProgrammeCapacityPayload> {}

@CommandHandler(ChangeProgrammeCapacityCommand)
export class ChangeProgrammeCapacityHandler implements ICommandHandler<ChangeProgrammeCapacityCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: ChangeProgrammeCapacityCommand) {
    return this.uow.run(ctx, async (tx) => {
      const prog = await tx.getProgramme(p.programmeId);
      authorize(ctx.actor, 'ChangeProgrammeCapacity', { districtId: prog.props.districtId, ownInstitutionId: prog.props.institutionId });
      prog.changeCapacity(p.capacity, ctx.now, p.reason);
      return { programmeId: prog.id, capacity: prog.props.capacity, used: prog.used, free: prog.free };
    });
  }
}

// ------------------------------------------------------------------ RegisterAgreement
export interface RegisterAgreementPayload {
  id?: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  kinds?: BedKind[];
  directions?: Direction[];
}
export class RegisterAgreementCommand extends BedlinkCommand<RegisterAgreementPayload> {}

@CommandHandler(RegisterAgreementCommand)
export class RegisterAgreementHandler implements ICommandHandler<RegisterAgreementCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: RegisterAgreementCommand) {
    return this.uow.run(ctx, async (tx) => {
      const from = await tx.getInstitution(p.fromInstitutionId);
      const to = await tx.getInstitution(p.toInstitutionId);
      // The coordinator of the referring institution's district signs for it.
      authorize(ctx.actor, 'RegisterAgreement', { districtId: from.props.districtId });
      for (const k of p.kinds ?? []) {
        if (!to.mayHold(k)) throw new DomainError('BED_KIND_MISMATCH', `a ${to.props.type} does not hold ${k} beds`, { institutionId: to.id, kind: k });
      }
      const a = Agreement.register({ id: p.id ?? randomUUID(), districtId: from.props.districtId, fromInstitutionId: from.id, toInstitutionId: to.id, kinds: p.kinds ?? [], directions: p.directions ?? [] }, ctx.now);
      tx.add(a);
      return { agreementId: a.id };
    });
  }
}
