import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { accountView } from '../shared/user-account-view';
import { SetOwnTotpCommand } from './set-own-totp.command';

@CommandHandler(SetOwnTotpCommand)
export class SetOwnTotpHandler implements ICommandHandler<SetOwnTotpCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: SetOwnTotpCommand) {
    return this.uow.run(ctx, async (tx) => {
      authorize(ctx.actor, type, {});
      const u = await tx.getUserAccount(p.userAccountId);
      if (u.props.username !== ctx.actor.userId || u.props.disabledAt) throw new DomainError('NOT_FOUND', `user account ${p.userAccountId} does not exist`);
      u.setTotp(p.totpSecretEnc, ctx.now);
      return accountView(u);
    });
  }
}
