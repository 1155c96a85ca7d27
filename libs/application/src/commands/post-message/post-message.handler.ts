import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { PostMessageCommand } from './post-message.command';

@CommandHandler(PostMessageCommand)
export class PostMessageHandler implements ICommandHandler<PostMessageCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: PostMessageCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      if (p.offerId) r.offer(p.offerId); // OFFER_NOT_FOUND for an offer of another referral
      authorize(ctx.actor, type, referralAccess(r));
      const doc = await this.policy.forDistrict(r.props.districtId);
      const m = r.postMessage(
        { messageId: p.messageId, targetInstitutionId: p.targetInstitutionId, text: p.text, kind: p.kind ?? 'MESSAGE', offerId: p.offerId ?? null },
        ctx.actor,
        { pausesDeadline: doc.moreInformation?.pausesDeadline ?? false },
        ctx.now,
      );
      await tx.appendMessage(m);
      const offer = m.offerId ? r.offer(m.offerId) : null;
      return referralResult(r, {
        messageId: m.id,
        targetInstitutionId: m.targetInstitutionId,
        kind: m.kind,
        offerId: m.offerId,
        offerPaused: !!offer?.pausedAt,
        offerDeadlineAt: offer?.deadlineAt?.toISOString() ?? null,
      });
    });
  }
}
