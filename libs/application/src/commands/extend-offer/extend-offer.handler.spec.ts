import { Bed } from '@bedlink/domain';
import { ACTORS, DISTRICT, T0 } from '../../testing/fake-unit-of-work';
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
  { name: 'the target may not', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'no offers once in transfer', stage: 'IN_TRANSFER', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
