import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ApiKey, assertRoleFitsInstitution, authorize, DISTRICT_ROLES, DomainError, InstitutionType } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { keyView } from '../shared/api-key-view';
import { IssueApiKeyCommand } from './issue-api-key.command';

@CommandHandler(IssueApiKeyCommand)
export class IssueApiKeyHandler implements ICommandHandler<IssueApiKeyCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: IssueApiKeyCommand) {
    return this.uow.run(ctx, async (tx) => {
      let institutionId: string | null = null;
      let districtId: string | null;
      let institutionType: InstitutionType | null = null;
      if (DISTRICT_ROLES.includes(p.role)) {
        if (p.institutionId)
          throw new DomainError('VALIDATION_FAILED', `a ${p.role} key acts for a district, not an institution: leave institutionId out`, {
            fields: ['institutionId'],
          });
        districtId = p.districtId ?? ctx.actor.districtId ?? null;
        if (!districtId) throw new DomainError('VALIDATION_FAILED', `a ${p.role} key acts for a district: give districtId`, { fields: ['districtId'] });
      } else {
        if (!p.institutionId)
          throw new DomainError('VALIDATION_FAILED', `a ${p.role} key acts for an institution: give institutionId`, { fields: ['institutionId'] });
        const inst = await tx.getInstitution(p.institutionId);
        institutionId = inst.id;
        institutionType = inst.props.type;
        districtId = inst.props.districtId;
        if (p.districtId && p.districtId !== districtId)
          throw new DomainError('VALIDATION_FAILED', `institution ${inst.id} is in district ${districtId}, not ${p.districtId}`, { fields: ['districtId'] });
      }
      // A coordinator issues keys for its own district's institutions and roles only.
      authorize(ctx.actor, type, { districtId });
      // Checked after the district scope, so a stranger learns nothing of another district's institutions.
      if (institutionId) assertRoleFitsInstitution({ role: p.role, institutionId }, institutionType);
      const key = ApiKey.issue(
        {
          id: p.id,
          prefix: p.prefix,
          keyHash: p.keyHash,
          label: p.label,
          role: p.role,
          institutionId,
          districtId,
          createdBy: ctx.actor.userId,
          createdAt: ctx.now,
          expiresAt: new Date(p.expiresAt),
        },
        ctx.now,
      );
      tx.add(key);
      return keyView(key);
    });
  }
}
