import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { accountView } from '../shared/user-account-view';
import { AdministerUserAccountCommand } from './administer-user-account.command';

@CommandHandler(AdministerUserAccountCommand)
export class AdministerUserAccountHandler implements ICommandHandler<AdministerUserAccountCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: AdministerUserAccountCommand) {
    return this.uow.run(ctx, async (tx) => {
      const u = await tx.getUserAccount(p.userAccountId);
      authorize(ctx.actor, type, { districtId: u.props.districtId });
      switch (p.action) {
        case 'DISABLE':
          // locking oneself out of administration by accident is refused; another coordinator can do it
          if (u.props.username === ctx.actor.userId) throw new DomainError('VALIDATION_FAILED', 'an administrator cannot disable its own account');
          u.disable(ctx.now, p.reason);
          break;
        case 'ENABLE':
          u.enable(ctx.now, p.reason);
          break;
        case 'RESET_PASSWORD':
          if (!p.passwordHash) throw new DomainError('VALIDATION_FAILED', 'a password reset needs the new password', { fields: ['password'] });
          u.setPassword(p.passwordHash, 'ADMIN', ctx.now, p.reason);
          break;
        case 'RESET_TOTP':
          u.setTotp(null, ctx.now);
          break;
        default:
          throw new DomainError('VALIDATION_FAILED', `unknown action ${String(p.action)}`, { fields: ['action'] });
      }
      return accountView(u);
    });
  }
}
