import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { allocateSurge, authorize, checkCareEligibility, DEFAULT_ORIGIN_KIND, DomainError, greedySurge, Patient, Referral, SurgeRequest } from '@bedlink/domain';
import { BedlinkCommand } from '../command';
import { FreeBed, POLICY, Policy, UNIT_OF_WORK, UnitOfWork } from '../ports';
import { DraftReferralPayload } from './origin.commands';
import { timingOf } from './timing';

export interface SubmitSurgePayload {
  referrals: DraftReferralPayload[];
}
export class SubmitSurgeCommand extends BedlinkCommand<SubmitSurgePayload> {}

interface Item extends SurgeRequest {
  index: number;
  p: DraftReferralPayload;
  patient: Patient;
}

/** Can this bed take this patient? Kind, services, sex restriction and care-level range. */
function fits(item: Item, bed: FreeBed): boolean {
  const p = item.p;
  if (bed.kind !== p.requestedKind) return false;
  if (!p.services.every((s) => bed.services.includes(s))) return false;
  if (bed.sexRestriction && bed.sexRestriction !== item.patient.props.sex) return false;
  const level = p.careLevel ?? null;
  if (level !== null && bed.minCareLevel !== null && level < bed.minCareLevel) return false;
  if (level !== null && bed.maxCareLevel !== null && level > bed.maxCareLevel) return false;
  return true;
}

/**
 * Surge (e.g. an epidemic: free 200 beds in a day). One command drafts and submits the whole
 * batch in one transaction; beds are allocated across the district by a priority-respecting
 * maximum matching (EMERGENCY and oldest first) and each allocated bed is offered to exactly
 * one referral; the rest escalate to the district at once. Invalid items are reported, not created.
 */
@CommandHandler(SubmitSurgeCommand)
export class SubmitSurgeHandler implements ICommandHandler<SubmitSurgeCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}

  execute({ payload, ctx }: SubmitSurgeCommand) {
    return this.uow.run(ctx, async (tx) => {
      const originId = ctx.actor.institutionId;
      if (!originId) throw new DomainError('FORBIDDEN', 'a surge is submitted by an institution');
      const origin = await tx.getInstitution(originId);
      authorize(ctx.actor, 'SubmitSurge', { districtId: origin.props.districtId, originInstitutionId: origin.id });
      const doc = await this.policy.forDistrict(origin.props.districtId);
      const errors: { index: number; code: string; message: string }[] = [];
      const items: Item[] = [];
      const seen = new Set<string>();
      for (const [index, p] of payload.referrals.entries()) {
        try {
          if (seen.has(p.patientId)) throw new DomainError('PATIENT_HAS_LIVE_REFERRAL', 'the patient appears twice in the batch');
          if (!p.consent) throw new DomainError('CONSENT_REQUIRED', 'the patient has not consented');
          const patient = await tx.getPatient(p.patientId);
          // as for a single draft: only an institution that has the patient in its care refers them
          if (!(await tx.patientInvolvement(p.patientId)).institutions.includes(origin.id)) {
            throw new DomainError('FORBIDDEN', `patient ${p.patientId} (item ${index}) is not in the care of your institution`, { role: ctx.actor.role, action: 'SubmitSurge', index });
          }
          const verdict = checkCareEligibility(doc, p.requestedKind, patient.props.assessment, ctx.now, { hardship: patient.props.hardship });
          if (!verdict.ok) throw new DomainError(verdict.code, verdict.message);
          const live = await tx.findPatientLiveReferral(p.patientId);
          if (live) throw new DomainError('PATIENT_HAS_LIVE_REFERRAL', `patient already has live referral ${live}`, { referralId: live });
          seen.add(p.patientId);
          items.push({ id: String(index), index, order: index, urgency: p.urgency, p, patient });
        } catch (e) {
          if (!(e instanceof DomainError) || e.code === 'FORBIDDEN') throw e;
          errors.push({ index, code: e.code, message: e.message });
        }
      }
      const kinds = [...new Set(items.map((i) => i.p.requestedKind))];
      const beds = kinds.length ? await tx.findFreeBeds(origin.props.districtId, kinds, 20_000) : [];
      const byId = new Map(beds.map((b) => [b.id, b]));
      const ids = beds.map((b) => b.id);
      const compatible = (i: Item, bedId: string) => fits(i, byId.get(bedId)!);
      const best = allocateSurge(items, ids, compatible);
      const greedy = greedySurge(items, ids, compatible);

      const allocations: { index: number; referralId: string; bedId: string | null; institutionId: string | null; state: string }[] = [];
      for (const item of items) {
        const p = item.p;
        const r = Referral.draft(
          {
            id: p.referralId ?? randomUUID(),
            patientId: p.patientId,
            districtId: origin.props.districtId,
            originInstitutionId: origin.id,
            originBedId: p.originBedId ?? null,
            originKind: p.originKind ?? DEFAULT_ORIGIN_KIND[origin.props.type],
            requestedKind: p.requestedKind,
            services: p.services,
            urgency: p.urgency,
            strategy: 'CASCADE',
            fanout: 1,
            clinicalSummary: p.clinicalSummary,
            careLevel: p.careLevel ?? null,
            consent: p.consent,
            expectedArrival: p.expectedArrival ? new Date(p.expectedArrival) : null,
          },
          ctx.actor,
          ctx.now,
        );
        const bedId = best.assigned.get(item.id) ?? null;
        const bed = bedId ? byId.get(bedId)! : null;
        r.submit(ctx.actor, ctx.now, { candidates: bed ? [{ institutionId: bed.institutionId, bedId: bed.id, programmeId: null, score: 1 }] : [], timing: timingOf(doc, p.urgency, r.props.direction) });
        tx.add(r);
        allocations.push({ index: item.index, referralId: r.id, bedId, institutionId: bed?.institutionId ?? null, state: r.state });
      }
      return { submitted: items.length, placed: best.assigned.size, escalated: best.unplaced.length, greedyPlaced: greedy.assigned.size, freeBeds: beds.length, errors, allocations };
    });
  }
}
