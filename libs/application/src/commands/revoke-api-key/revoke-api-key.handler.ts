import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { keyView } from '../shared/api-key-view';
import { RevokeApiKeyCommand } from './revoke-api-key.command';

@CommandHandler(RevokeApiKeyCommand)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKeyCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: RevokeApiKeyCommand) {
    return this.uow.run(ctx, async (tx) => {
      const key = await tx.getApiKey(p.apiKeyId);
      authorize(ctx.actor, type, { districtId: key.props.districtId });
      key.revoke(ctx.actor.userId, ctx.now, p.reason);
      return keyView(key);
    });
  }
}
