import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, WebhookSubscription } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { CreateWebhookCommand } from './create-webhook.command';

@CommandHandler(CreateWebhookCommand)
export class CreateWebhookHandler implements ICommandHandler<CreateWebhookCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: CreateWebhookCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = await tx.getInstitution(p.institutionId);
      authorize(ctx.actor, type, { districtId: inst.props.districtId, ownInstitutionId: inst.id });
      const sub = WebhookSubscription.create(
        {
          id: p.id,
          institutionId: inst.id,
          url: p.url,
          eventTypes: p.eventTypes,
          description: p.description ?? '',
          secretEnc: p.secretEnc,
          createdBy: ctx.actor.userId,
        },
        ctx.now,
      );
      tx.add(sub);
      const s = sub.props;
      return {
        id: s.id,
        institutionId: s.institutionId,
        url: s.url,
        eventTypes: s.eventTypes,
        description: s.description,
        createdBy: s.createdBy,
        createdAt: ctx.now.toISOString(),
      };
    });
  }
}
