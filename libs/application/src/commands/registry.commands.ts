import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, Bed, BedCommand, BedKind, DomainError, Institution, InstitutionType, MANUAL_BED_COMMANDS, ServiceCode, Sex } from '@bedlink/domain';
import { BedlinkCommand } from '../command';
import { UNIT_OF_WORK, UnitOfWork } from '../ports';

export interface RegisterInstitutionPayload {
  id?: string;
  code: string;
  name: string;
  type: InstitutionType;
  districtId: string;
  address?: string;
  lat?: number | null;
  lng?: number | null;
  services?: ServiceCode[];
}
export class RegisterInstitutionCommand extends BedlinkCommand<RegisterInstitutionPayload> {}

@CommandHandler(RegisterInstitutionCommand)
export class RegisterInstitutionHandler implements ICommandHandler<RegisterInstitutionCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: RegisterInstitutionCommand) {
    return this.uow.run(ctx, async (tx) => {
      authorize(ctx.actor, 'RegisterInstitution', { districtId: p.districtId });
      const inst = Institution.register(
        { id: p.id ?? randomUUID(), code: p.code, name: p.name, type: p.type, districtId: p.districtId, address: p.address ?? '', lat: p.lat ?? null, lng: p.lng ?? null, services: p.services ?? [] },
        ctx.now,
      );
      tx.add(inst);
      return { institutionId: inst.id };
    });
  }
}

export interface RegisterBedPayload {
  id?: string;
  institutionId: string;
  kind: BedKind;
  ward: string;
  label: string;
  services?: ServiceCode[];
  sexRestriction?: Sex | null;
  minCareLevel?: number | null;
  maxCareLevel?: number | null;
  isolationCapable?: boolean;
  basicGuarantee?: boolean;
}
export class RegisterBedCommand extends BedlinkCommand<RegisterBedPayload> {}

@CommandHandler(RegisterBedCommand)
export class RegisterBedHandler implements ICommandHandler<RegisterBedCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: RegisterBedCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = await tx.getInstitution(p.institutionId);
      authorize(ctx.actor, 'RegisterBed', { districtId: inst.props.districtId, ownInstitutionId: inst.id });
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

export interface ChangeBedStatusPayload {
  bedId: string;
  command: BedCommand;
  reason?: string;
}
export class ChangeBedStatusCommand extends BedlinkCommand<ChangeBedStatusPayload> {}

@CommandHandler(ChangeBedStatusCommand)
export class ChangeBedStatusHandler implements ICommandHandler<ChangeBedStatusCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: ChangeBedStatusCommand) {
    return this.uow.run(ctx, async (tx) => {
      const bed = await tx.getBed(p.bedId);
      authorize(ctx.actor, 'ChangeBedStatus', { districtId: bed.props.districtId, ownInstitutionId: bed.props.institutionId });
      if (!MANUAL_BED_COMMANDS.includes(p.command)) {
        throw new DomainError('VALIDATION_FAILED', `${p.command} happens through a referral (admission or transfer), not by hand`);
      }
      // A held bed is promised to a patient: give the hold back first (RevokeAcceptance).
      if (bed.props.liveReservationId) {
        throw new DomainError('BED_ALREADY_RESERVED', `bed ${bed.props.label} is held for a referral; revoke the acceptance before changing its status`, { bedId: bed.id });
      }
      bed.operate(p.command, ctx.now, p.reason);
      return { bedId: bed.id, status: bed.status };
    });
  }
}
