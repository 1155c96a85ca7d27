import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  allocateSurge,
  authorize,
  CandidateFacts,
  checkCareEligibility,
  DEFAULT_ORIGIN_KIND,
  DomainError,
  greedySurge,
  MatchNeeds,
  Patient,
  placeRefusal,
  Referral,
  SurgeRequest,
} from '@bedlink/domain';
import { MATCHER, Matcher, Policy, POLICY, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { cooperationDefaultOf } from '../shared/routes';
import { DraftReferralPayload } from '../draft-referral/draft-referral.command';
import { timingOf } from '../shared/timing';
import { SubmitSurgeCommand } from './submit-surge.command';

interface Item extends SurgeRequest {
  index: number;
  p: DraftReferralPayload;
  patient: Patient;
  /** FLAG policy: the eligibility refusal the district coordinator decides on instead of the engine. */
  flagged?: string;
}

/**
 * Surge (e.g. an epidemic: free 200 beds in a day). One command drafts and submits the whole
 * batch in one transaction; beds are allocated across the district by a priority-respecting
 * maximum matching (EMERGENCY and oldest first) and each allocated bed is offered to exactly
 * one referral; the rest escalate to the district at once. Invalid items are reported, not created.
 * Each item also says which bed first-come greedy would have given it, the baseline a district has
 * without the engine. `dryRun` answers the same plan and creates nothing (as ImportBeds does).
 */
@CommandHandler(SubmitSurgeCommand)
export class SubmitSurgeHandler implements ICommandHandler<SubmitSurgeCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
    @Inject(MATCHER) private readonly matcher: Matcher,
  ) {}

  execute({ payload, ctx, type }: SubmitSurgeCommand) {
    return this.uow.run(ctx, async (tx) => {
      const originId = ctx.actor.institutionId;
      if (!originId) throw new DomainError('FORBIDDEN', 'a surge is submitted by an institution');
      const origin = await tx.getInstitution(originId);
      authorize(ctx.actor, type, { districtId: origin.props.districtId, originInstitutionId: origin.id });
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
            throw new DomainError('FORBIDDEN', `patient ${p.patientId} (item ${index}) is not in the care of your institution`, {
              role: ctx.actor.role,
              action: type,
              index,
            });
          }
          const verdict = checkCareEligibility(doc, p.requestedKind, patient.props.assessment, ctx.now, {
            hardship: patient.props.hardship,
            birthDate: patient.props.birthDate,
          });
          // as for a single submit: REFUSE refuses the item, FLAG sends it to the district coordinator unplaced
          if (!verdict.ok && doc.eligibility.onFailure === 'REFUSE') throw new DomainError(verdict.code, verdict.message, verdict.details);
          const flagged = verdict.ok ? undefined : `${verdict.code}: ${verdict.message}`;
          const live = await tx.findPatientLiveReferral(p.patientId);
          if (live) throw new DomainError('PATIENT_HAS_LIVE_REFERRAL', `patient already has live referral ${live}`, { referralId: live });
          seen.add(p.patientId);
          items.push({ id: String(index), index, order: index, urgency: p.urgency, p, patient, ...(flagged ? { flagged } : {}) });
        } catch (e) {
          if (!(e instanceof DomainError) || e.code === 'FORBIDDEN') throw e;
          errors.push({ index, code: e.code, message: e.message });
        }
      }
      // Draft first: the domain decides each referral's direction, which the route rules need.
      const drafts = new Map<string, Referral>();
      for (const item of items) {
        const p = item.p;
        drafts.set(
          item.id,
          Referral.draft(
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
              careLevel: item.patient.props.assessment?.grade ?? p.careLevel ?? null,
              consent: p.consent,
              expectedArrival: p.expectedArrival ? new Date(p.expectedArrival) : null,
            },
            ctx.actor,
            ctx.now,
          ),
        );
      }
      // Which beds may serve whom: the matcher's own rule (domain placeRefusal, one SQL filter), asked once
      // per distinct set of needs, so a bed the referral could never be offered (its origin's own, say) is never allocated.
      const cooperationDefault = cooperationDefaultOf(doc);
      const needsOf = (item: Item): MatchNeeds => {
        const r = drafts.get(item.id)!.props;
        return {
          kind: r.requestedKind,
          services: [...r.services].sort(),
          sex: item.patient.props.sex ?? null,
          careLevel: r.careLevel,
          originInstitutionId: origin.id,
          originLat: origin.props.lat,
          originLng: origin.props.lng,
          familyDoctorInstitutionId: item.patient.props.familyDoctorInstitutionId ?? null,
          // home programmes are reached from the patient's home (radius, area codes), as in single matching
          homeLat: item.patient.props.home?.lat ?? null,
          homeLng: item.patient.props.home?.lng ?? null,
          homeAreaCode: item.patient.props.home?.areaCode ?? null,
          districtId: r.districtId,
          direction: r.direction,
          cooperationDefault,
        };
      };
      const servable = new Map<string, Map<string, CandidateFacts>>();
      const groupOf = new Map<string, { needs: MatchNeeds; beds: Map<string, CandidateFacts> }>();
      for (const item of items) {
        const needs = needsOf(item);
        const key = JSON.stringify(needs);
        if (!servable.has(key)) servable.set(key, placesOf(await this.matcher.servableBeds(needs, 20_000)));
        groupOf.set(item.id, { needs, beds: servable.get(key)! });
      }
      const bedIds = [...new Set([...servable.values()].flatMap((m) => [...m.keys()]))];
      const compatible = (i: Item, bedId: string) => {
        if (i.flagged) return false;
        const g = groupOf.get(i.id)!;
        const facts = g.beds.get(bedId);
        return facts !== undefined && placeRefusal(g.needs, facts) === null;
      };
      const best = allocateSurge(items, bedIds, compatible);
      const greedy = greedySurge(items, bedIds, compatible);

      // a place's key is a bed id, or `programme#n` for a home-programme slot: answered as the bed or the programme
      const greedyOf = (item: Item) => {
        const key = greedy.assigned.get(item.id);
        const place = key ? groupOf.get(item.id)!.beds.get(key)! : null;
        return { greedyBedId: place?.bedId ?? null, greedyProgrammeId: place?.programmeId ?? null, greedyInstitutionId: place?.institutionId ?? null };
      };
      const escalation = (item: Item) => {
        if (item.flagged) return item.flagged;
        const suitable = groupOf.get(item.id)!.beds.size;
        return suitable === 0
          ? 'surge: no free bed in reach may serve this referral'
          : `surge: all ${suitable} free beds that may serve this referral went to patients of higher priority`;
      };
      const totals = { submitted: items.length, greedyPlaced: greedy.assigned.size, freeBeds: bedIds.length, errors };

      if (payload.dryRun) {
        // The plan as it stands now, nothing drafted: the coordinator compares it with greedy, then confirms
        // (a confirmed surge allocates again, against the beds free at that moment).
        const allocations = items.map((item) => {
          const key = best.assigned.get(item.id);
          const bed = key ? groupOf.get(item.id)!.beds.get(key)! : null;
          return {
            index: item.index,
            referralId: null,
            outcome: bed ? ('OFFERED' as const) : ('ESCALATED' as const),
            state: null,
            bedId: bed?.bedId ?? null,
            programmeId: bed?.programmeId ?? null,
            institutionId: bed?.institutionId ?? null,
            reason: bed ? null : escalation(item),
            ...greedyOf(item),
          };
        });
        return { dryRun: true, ...totals, placed: best.assigned.size, escalated: items.length - best.assigned.size, allocations };
      }

      // What happened to each referral, read back from the referral after its commands ran, not from the plan.
      const allocations: {
        index: number;
        referralId: string;
        outcome: 'OFFERED' | 'ESCALATED';
        state: string;
        bedId: string | null;
        programmeId: string | null;
        institutionId: string | null;
        reason: string | null;
        greedyBedId: string | null;
        greedyProgrammeId: string | null;
        greedyInstitutionId: string | null;
      }[] = [];
      for (const item of items) {
        const r = drafts.get(item.id)!;
        const bedId = best.assigned.get(item.id) ?? null;
        if (item.flagged) {
          r.submit(ctx.actor, ctx.now);
          r.escalate(item.flagged, ctx.now);
        } else if (bedId) {
          const place = groupOf.get(item.id)!.beds.get(bedId)!;
          r.submit(ctx.actor, ctx.now, {
            candidates: [{ institutionId: place.institutionId, bedId: place.bedId, programmeId: place.programmeId, score: 1 }],
            timing: timingOf(doc, item.p.urgency, r.props.direction),
          });
        } else {
          r.submit(ctx.actor, ctx.now);
          r.escalate(escalation(item), ctx.now);
        }
        tx.add(r);
        const live = r.liveOffers[0];
        allocations.push({
          index: item.index,
          referralId: r.id,
          outcome: live ? 'OFFERED' : 'ESCALATED',
          state: r.state,
          bedId: live?.targetBedId ?? null,
          programmeId: live?.targetProgrammeId ?? null,
          institutionId: live?.targetInstitutionId ?? null,
          reason: live ? null : r.props.stateReason,
          ...greedyOf(item),
        });
      }
      const placed = allocations.filter((a) => a.outcome === 'OFFERED' && (a.bedId || a.programmeId)).length;
      return {
        dryRun: false,
        ...totals,
        placed,
        escalated: allocations.filter((a) => a.state === 'ESCALATED').length,
        allocations,
      };
    });
  }
}

/**
 * The places a surge allocates, by a key unique within the batch: a bed by its id, a home-programme
 * slot as `programme#n` (the matcher answers one row per free slot), so a programme takes as many
 * patients as it has room for, and a bed one.
 */
function placesOf(facts: CandidateFacts[]): Map<string, CandidateFacts> {
  const slots = new Map<string, number>();
  return new Map(
    facts.map((c) => {
      if (c.bedId) return [c.bedId, c];
      const n = (slots.get(c.programmeId!) ?? 0) + 1;
      slots.set(c.programmeId!, n);
      return [`${c.programmeId}#${n}`, c];
    }),
  );
}
