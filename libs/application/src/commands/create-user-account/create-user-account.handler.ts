import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { assertRoleFitsInstitution, authorize, DISTRICT_ROLES, DomainError, InstitutionType, UserAccount } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { accountView } from '../shared/user-account-view';
import { CreateUserAccountCommand } from './create-user-account.command';

@CommandHandler(CreateUserAccountCommand)
export class CreateUserAccountHandler implements ICommandHandler<CreateUserAccountCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: CreateUserAccountCommand) {
    return this.uow.run(ctx, async (tx) => {
      let institutionId: string | null = null;
      let districtId: string | null;
      let institutionType: InstitutionType | null = null;
      if (DISTRICT_ROLES.includes(p.role)) {
        if (p.institutionId)
          throw new DomainError('VALIDATION_FAILED', `a ${p.role} acts for a district, not an institution: leave institutionId out`, {
            fields: ['institutionId'],
          });
        districtId = p.districtId ?? ctx.actor.districtId ?? null;
        if (!districtId) throw new DomainError('VALIDATION_FAILED', `a ${p.role} acts for a district: give districtId`, { fields: ['districtId'] });
      } else {
        if (!p.institutionId)
          throw new DomainError('VALIDATION_FAILED', `a ${p.role} acts for an institution: give institutionId`, { fields: ['institutionId'] });
        const inst = await tx.getInstitution(p.institutionId);
        institutionId = inst.id;
        institutionType = inst.props.type;
        districtId = inst.props.districtId;
      }
      // The district's coordinator administers the people of its district and of its institutions, no others.
      authorize(ctx.actor, type, { districtId });
      // Checked after the district scope, so a stranger learns nothing of another district's institutions.
      if (institutionId) assertRoleFitsInstitution({ role: p.role, institutionId }, institutionType);
      const u = UserAccount.create(
        {
          id: p.id,
          username: p.username,
          displayName: p.displayName,
          role: p.role,
          institutionId,
          districtId,
          passwordHash: p.passwordHash,
          createdBy: ctx.actor.userId,
          createdAt: ctx.now,
        },
        ctx.now,
      );
      tx.add(u);
      return accountView(u);
    });
  }
}
