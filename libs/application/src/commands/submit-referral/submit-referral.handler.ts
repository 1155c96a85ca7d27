import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, checkCareEligibility, DomainError } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { MATCHER, Matcher, Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { assertTargetsAllowed } from '../shared/routes';
import { resolveTargets } from '../shared/targets';
import { timingFor } from '../shared/timing';
import { SubmitReferralCommand } from './submit-referral.command';

/** AUTO referrals ask matching for ranked candidates and go out at once (broadcast or cascade); MANUAL ones wait for offers by hand. */
@CommandHandler(SubmitReferralCommand)
export class SubmitReferralHandler implements ICommandHandler<SubmitReferralCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
    @Inject(MATCHER) private readonly matcher: Matcher,
  ) {}
  execute({ payload: p, ctx, type }: SubmitReferralCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.assertCan('SubmitReferral');
      const doc = await this.policy.forDistrict(r.props.districtId);
      const patient = await tx.getPatient(r.props.patientId);
      const verdict = checkCareEligibility(doc, r.props.requestedKind, patient.props.assessment, ctx.now, {
        hardship: patient.props.hardship,
        birthDate: patient.props.birthDate,
      });
      if (!verdict.ok && doc.eligibility.onFailure === 'REFUSE') throw new DomainError(verdict.code, verdict.message, verdict.details);
      let targets = p.targets ?? [];
      // A resident coming back down finds the care-home bed kept for them first.
      const heldBedId = await tx.findReturnHoldBed(r.props.patientId);
      if (heldBedId && r.props.direction !== 'UPWARD') {
        const held = await tx.getBed(heldBedId);
        if (held.props.kind === r.props.requestedKind)
          targets = [{ institutionId: held.props.institutionId, bedId: held.id }, ...targets.filter((t) => t.institutionId !== held.props.institutionId)];
      }
      if (targets.length) await assertTargetsAllowed(tx, this.policy, r, [...new Set(targets.map((x) => x.institutionId))], ctx.now);
      let plan = targets.length ? { candidates: await resolveTargets(tx, r, targets), timing: await timingFor(this.policy, r) } : undefined;
      // AUTO: matching ranks the free beds and programmes (already held to the agreements) and the offers go out at once; none escalates.
      if (!plan && r.props.dispatch === 'AUTO') {
        const ranked = await this.matcher.candidates(r, 10);
        plan = {
          candidates: ranked.map(({ institutionId, bedId, programmeId, score }) => ({ institutionId, bedId, programmeId, score })),
          timing: await timingFor(this.policy, r),
        };
      }
      if (!verdict.ok) {
        // FLAG: the district coordinator decides instead of the engine refusing.
        r.submit(ctx.actor, ctx.now);
        r.escalate(`${verdict.code}: ${verdict.message}`, ctx.now);
        return referralResult(r, { flagged: verdict.code, offers: [] });
      }
      r.submit(ctx.actor, ctx.now, plan);
      return referralResult(r, {
        ...(plan ? { candidates: plan.candidates.length } : {}),
        offers: r.liveOffers.map((o) => ({
          offerId: o.id,
          targetInstitutionId: o.targetInstitutionId,
          targetBedId: o.targetBedId,
          targetProgrammeId: o.targetProgrammeId,
          deadlineAt: o.deadlineAt?.toISOString() ?? null,
        })),
      });
    });
  }
}
