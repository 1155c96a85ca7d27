import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError, isPhysical } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { timingFor } from '../shared/timing';
import { WaitlistReferralCommand } from './waitlist-referral.command';

/** Lists a waiting list keeps: the beds of care homes and community centres. */
const LIST_KEEPERS = ['ELDERLY_CARE_INSTITUTION', 'COMMUNITY_HEALTH_CENTRE'];

/**
 * A target with no suitable bed answers its offer by putting the referral on its OWN waiting
 * list: the list is always the offer's target's (the actor's institution, checked by scope), so
 * no institution can put a referral on another's list.
 */
@CommandHandler(WaitlistReferralCommand)
export class WaitlistReferralHandler implements ICommandHandler<WaitlistReferralCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: WaitlistReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      const offer = r.offer(p.offerId);
      authorize(ctx.actor, type, referralAccess(r, p.offerId));
      const keeper = await tx.getInstitution(offer.targetInstitutionId);
      if (!LIST_KEEPERS.includes(keeper.props.type))
        throw new DomainError('VALIDATION_FAILED', `a ${keeper.props.type} keeps no waiting list (care homes and community centres do)`);
      if (!isPhysical(r.props.requestedKind))
        throw new DomainError('VALIDATION_FAILED', `${r.props.requestedKind} places are home-programme slots, not beds to wait for`);
      const entry = r.waitlist(p.offerId, { entryId: p.entryId }, ctx.actor, await timingFor(this.policy, r), ctx.now);
      return referralResult(r, { offerId: p.offerId, entryId: entry.id, institutionId: entry.institutionId });
    });
  }
}
