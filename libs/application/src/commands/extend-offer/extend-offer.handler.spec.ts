import { Bed } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { ACTORS, ctxFor, DISTRICT, fakePolicy, T0, world } from '../../testing/fake-unit-of-work';
import { homeReferral } from '../../testing/home';
import { describeHandler } from '../../testing/handler-cases';
import { ExtendOfferCommand } from './extend-offer.command';
import { ExtendOfferHandler } from './extend-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-2', targetInstitutionId: 'cc2' };
describeHandler(ExtendOfferCommand, ExtendOfferHandler, [
  { name: 'the origin offers to a second centre', stage: 'OFFERED', actor: ACTORS.origin, payload, events: ['OfferExtended', 'PlacementRequested'] },
  {
    name: 'a suggested bed of the target travels with the offer',
    stage: 'OFFERED',
    given: (w) =>
      w.add(
        Bed.register(
          {
            ...{ id: 'bed-2', institutionId: 'cc2', districtId: DISTRICT, kind: 'COMMUNITY', ward: 'W', label: 'b2', services: [] },
            ...{ sexRestriction: null, minCareLevel: null, maxCareLevel: null, isolationCapable: false, basicGuarantee: false },
          },
          T0,
        ),
      ),
    actor: ACTORS.origin,
    payload: { ...payload, targetBedId: 'bed-2' },
    result: { offerId: 'off-2', deadlineAt: expect.any(String) },
    events: ['OfferExtended', 'PlacementRequested'],
  },
  {
    name: 'a bed of another centre is refused',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { ...payload, targetBedId: 'bed-1' },
    refused: 'BED_NOT_AT_TARGET',
  },
  {
    name: 'a programme of another centre is refused',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { ...payload, targetProgrammeId: 'prog-1' },
    refused: 'BED_NOT_AT_TARGET',
  },
  {
    name: 'a programme of the wrong kind is refused',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { ...payload, targetInstitutionId: 'cc1', targetProgrammeId: 'prog-1' },
    refused: 'BED_KIND_MISMATCH',
  },
  {
    name: 'a hospital cannot be offered a community placement',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { ...payload, targetInstitutionId: 'hosp' },
    refused: 'BED_KIND_MISMATCH',
  },
  { name: 'an unknown bed is not found', stage: 'OFFERED', actor: ACTORS.origin, payload: { ...payload, targetBedId: 'nope' }, refused: 'NOT_FOUND' },
  {
    name: 'a bed of another kind at the target is refused',
    stage: 'OFFERED',
    given: (w) => addBed(w, 'bed-h2', 'cc2', 'HOSPITAL'),
    actor: ACTORS.origin,
    payload: { ...payload, targetBedId: 'bed-h2' },
    refused: 'BED_KIND_MISMATCH',
  },
  {
    name: 'a programme of the target and of the referral’s kind travels with the offer',
    given: homeReferral(null, false),
    actor: ACTORS.origin,
    payload: { referralId: 'ref-h', offerId: 'off-2', targetInstitutionId: 'cc1', targetProgrammeId: 'prog-1' },
    events: ['OfferExtended', 'PlacementRequested'],
    result: { offerId: 'off-2' },
  },
  { name: 'the target may not', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'no offers once in transfer', stage: 'IN_TRANSFER', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);

describe('ExtendOffer keeps what it suggests on the offer', () => {
  it('the suggested bed, and no programme', async () => {
    const w = world('OFFERED');
    addBed(w, 'bed-2', 'cc2', 'COMMUNITY');
    await new ExtendOfferHandler(w, fakePolicy).execute(new ExtendOfferCommand({ ...payload, targetBedId: 'bed-2' }, ctxFor(ACTORS.origin, 'ExtendOffer')));
    expect((await w.getReferral('ref-1')).offer('off-2')).toMatchObject({ targetInstitutionId: 'cc2', targetBedId: 'bed-2', targetProgrammeId: null });
  });

  it('the suggested programme, and no bed', async () => {
    const w = world();
    homeReferral(null, false)(w);
    const cmd = new ExtendOfferCommand(
      { referralId: 'ref-h', offerId: 'off-2', targetInstitutionId: 'cc1', targetProgrammeId: 'prog-1' },
      ctxFor(ACTORS.origin, 'ExtendOffer'),
    );
    await new ExtendOfferHandler(w, fakePolicy).execute(cmd);
    expect((await w.getReferral('ref-h')).offer('off-2')).toMatchObject({ targetInstitutionId: 'cc1', targetBedId: null, targetProgrammeId: 'prog-1' });
  });
});
