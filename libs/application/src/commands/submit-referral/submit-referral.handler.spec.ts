import { Referral } from '@bedlink/domain';
import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { SubmitReferralCommand } from './submit-referral.command';
import { SubmitReferralHandler } from './submit-referral.handler';

const payload = { referralId: 'ref-1' };
describeHandler(SubmitReferralCommand, SubmitReferralHandler, [
  { name: 'the origin submits its draft', stage: 'DRAFT', actor: ACTORS.origin, payload, events: ['ReferralSubmitted'] },
  { name: 'another institution may not', stage: 'DRAFT', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'a submitted referral is not submitted again', stage: 'OFFERED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
  {
    name: 'named targets get their offers at once',
    stage: 'DRAFT',
    actor: ACTORS.origin,
    payload: { ...payload, targets: [{ institutionId: 'cc1', bedId: 'bed-1' }] },
    events: ['ReferralSubmitted', 'OfferExtended', 'PlacementRequested'],
    result: {
      candidates: 1,
      offers: [{ offerId: expect.any(String), targetInstitutionId: 'cc1', targetBedId: 'bed-1', targetProgrammeId: null, deadlineAt: expect.any(String) }],
    },
  },
  {
    name: 'without targets (MANUAL) nothing is offered, nor escalated',
    stage: 'DRAFT',
    actor: ACTORS.origin,
    payload,
    events: ['ReferralSubmitted'],
    result: { offers: [] },
  },
  {
    name: 'AUTO asks the matcher, and with no candidate the referral escalates',
    stage: 'DRAFT',
    // the world's draft is MANUAL; its props are the aggregate's own (read-only by type only)
    given: (w) => Object.assign((w.all.get('ref-1') as Referral).props, { dispatch: 'AUTO' }),
    actor: ACTORS.origin,
    payload,
    events: ['ReferralSubmitted', 'ReferralEscalated'],
    result: { candidates: 0, offers: [] },
  },
  {
    name: 'an unknown target is not found',
    stage: 'DRAFT',
    actor: ACTORS.origin,
    payload: { ...payload, targets: [{ institutionId: 'nowhere' }] },
    refused: 'NOT_FOUND',
  },
]);
