import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, isAllowed, notFound, PERMISSIONS } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { DeleteWebhookCommand } from './delete-webhook.command';

@CommandHandler(DeleteWebhookCommand)
export class DeleteWebhookHandler implements ICommandHandler<DeleteWebhookCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: DeleteWebhookCommand) {
    return this.uow.run(ctx, async (tx) => {
      const sub = await tx.getWebhookSubscription(p.subscriptionId);
      const inst = await tx.getInstitution(sub.props.institutionId);
      const access = { districtId: inst.props.districtId, ownInstitutionId: inst.id };
      // Another institution's endpoint reads as not found, like a read: its id and URL are that institution's business.
      if (PERMISSIONS[type].roles.includes(ctx.actor.role) && !isAllowed(ctx.actor, type, access))
        throw notFound('NOT_FOUND', 'webhook subscription', p.subscriptionId);
      authorize(ctx.actor, type, access);
      sub.delete(ctx.now);
      return { id: sub.id, deleted: true };
    });
  }
}
