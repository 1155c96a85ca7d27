import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { accountView } from '../shared/user-account-view';
import { ChangeOwnPasswordCommand } from './change-own-password.command';

@CommandHandler(ChangeOwnPasswordCommand)
export class ChangeOwnPasswordHandler implements ICommandHandler<ChangeOwnPasswordCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: ChangeOwnPasswordCommand) {
    return this.uow.run(ctx, async (tx) => {
      authorize(ctx.actor, type, {});
      const u = await tx.getUserAccount(p.userAccountId);
      // Only one's own account: another's looks like no account at all.
      if (u.props.username !== ctx.actor.userId || u.props.disabledAt) throw new DomainError('NOT_FOUND', `user account ${p.userAccountId} does not exist`);
      u.setPassword(p.passwordHash, 'SELF', ctx.now);
      return accountView(u);
    });
  }
}
