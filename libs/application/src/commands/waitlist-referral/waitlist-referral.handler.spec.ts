import { Institution, Referral } from '@bedlink/domain';
import { actor, ACTORS, DISTRICT, T0 } from '../../testing/fake-unit-of-work';
import { homeReferral } from '../../testing/home';
import { describeHandler } from '../../testing/handler-cases';
import { WaitlistReferralCommand } from './waitlist-referral.command';
import { WaitlistReferralHandler } from './waitlist-referral.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1' };
describeHandler(WaitlistReferralCommand, WaitlistReferralHandler, [
  {
    name: 'the target declines for capacity and lists the referral',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload,
    events: ['OfferDeclined', 'ReferralEscalated', 'ReferralWaitlisted'],
    result: { institutionId: 'cc1' },
  },
  { name: 'another institution may not put it on a list', stage: 'OFFERED', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'the origin may not', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'FORBIDDEN' },
  { name: 'not once accepted', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
  {
    name: 'the entry is stored on the referral under the id given',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { ...payload, entryId: 'we-1' },
    result: { referralId: 'ref-1', offerId: 'off-1', entryId: 'we-1', institutionId: 'cc1' },
    after: (w) => expect((w.all.get('ref-1') as Referral).waitingFor('cc1')).toMatchObject({ id: 'we-1', institutionId: 'cc1', state: 'WAITING' }),
  },
  {
    name: 'a hospital keeps no waiting list',
    stage: 'OFFERED',
    given: (w) => {
      w.add(
        Institution.register(
          { id: 'hosp2', code: 'hosp2', name: 'hosp2', type: 'REGIONAL_MEDICAL_CENTRE', districtId: DISTRICT, address: '', lat: null, lng: null, services: [] },
          T0,
        ),
      );
      const r = w.all.get('ref-1') as Referral;
      r.extendOffer(
        { offerId: 'off-2', targetInstitutionId: 'hosp2', targetBedId: null, targetProgrammeId: null },
        { deadlineFor: (now) => new Date(now.getTime() + 3_600_000) },
        T0,
      );
      for (const a of w.all.values()) a.pullEvents();
    },
    actor: actor('DISCHARGE_PLANNER', 'hosp2'),
    payload: { referralId: 'ref-1', offerId: 'off-2' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'a home place is a programme slot, not a bed to wait for',
    given: homeReferral(),
    actor: ACTORS.target,
    payload: { referralId: 'ref-h', offerId: 'off-h' },
    refused: 'VALIDATION_FAILED',
  },
]);
