import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { resolveTargets } from '../shared/targets';
import { timingFor } from '../shared/timing';
import { assertTargetsAllowed } from '../shared/routes';
import { RerouteReferralCommand } from './reroute-referral.command';

@CommandHandler(RerouteReferralCommand)
export class RerouteReferralHandler implements ICommandHandler<RerouteReferralCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: RerouteReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.assertCan('RerouteReferral');
      await assertTargetsAllowed(tx, this.policy, r, [...new Set(p.targets.map((x) => x.institutionId))], ctx.now);
      const candidates = await resolveTargets(tx, r, p.targets);
      r.reroute(ctx.actor, { candidates, strategy: p.strategy, reason: p.reason }, await timingFor(this.policy, r), ctx.now);
      return referralResult(r);
    });
  }
}
