import { Bed } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { ACTORS, T0 } from '../../testing/fake-unit-of-work';
import { addProgramme as programme, homeReferral } from '../../testing/home';
import { describeHandler } from '../../testing/handler-cases';
import { AcceptOfferCommand } from './accept-offer.command';
import { AcceptOfferHandler } from './accept-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1' };

const home = { referralId: 'ref-h', offerId: 'off-h' };
describeHandler(AcceptOfferCommand, AcceptOfferHandler, [
  { name: 'the target accepts with the offered bed', stage: 'OFFERED', actor: ACTORS.target, payload, events: ['OfferAccepted', 'BedReserved'] },
  {
    name: 'the answer names the bed, the hold and its end',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload,
    result: { offerId: 'off-1', bedId: 'bed-1', reservationId: expect.any(String), holdUntil: expect.any(String) },
  },
  { name: 'a bed of another centre is refused', stage: 'OFFERED', actor: ACTORS.target, payload: { ...payload, bedId: 'obed' }, refused: 'BED_NOT_AT_TARGET' },
  {
    name: 'a closed bed is refused',
    stage: 'OFFERED',
    given: (w) => (w.all.get('bed-1') as Bed).operate('Close', T0),
    actor: ACTORS.target,
    payload,
    refused: 'BED_NOT_AVAILABLE',
  },
  { name: 'an unknown bed is not found', stage: 'OFFERED', actor: ACTORS.target, payload: { ...payload, bedId: 'nope' }, refused: 'NOT_FOUND' },
  { name: 'another centre may not', stage: 'OFFERED', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'an escalated referral is not accepted', stage: 'ESCALATED', actor: ACTORS.target, payload, refused: 'INVALID_TRANSITION' },
  {
    name: 'a bed of another kind at the target is refused',
    stage: 'OFFERED',
    given: (w) => addBed(w, 'bed-h', 'cc1', 'HOSPITAL'),
    actor: ACTORS.target,
    payload: { ...payload, bedId: 'bed-h' },
    refused: 'BED_KIND_MISMATCH',
  },
  {
    name: 'a home place is a slot of the offered programme',
    given: homeReferral(),
    actor: ACTORS.target,
    payload: home,
    events: ['OfferAccepted', 'BedReserved'],
    result: { offerId: 'off-h', programmeId: 'prog-1', reservationId: expect.any(String), holdUntil: expect.any(String) },
  },
  { name: 'a home place needs a programme', given: homeReferral(null), actor: ACTORS.target, payload: home, refused: 'VALIDATION_FAILED' },
  {
    name: 'a programme named in the answer is used',
    given: (w) => {
      homeReferral(null)(w);
      programme(w, 'prog-2', 'cc1', 'HOME_SICKBED');
    },
    actor: ACTORS.target,
    payload: { ...home, programmeId: 'prog-2' },
    result: { programmeId: 'prog-2' },
  },
  {
    name: 'a programme of another institution is refused',
    given: (w) => {
      homeReferral(null)(w);
      programme(w, 'prog-2', 'cc2', 'HOME_SICKBED');
    },
    actor: ACTORS.target,
    payload: { ...home, programmeId: 'prog-2' },
    refused: 'BED_NOT_AT_TARGET',
  },
  {
    name: 'a programme of another kind is refused',
    given: (w) => {
      homeReferral(null)(w);
      programme(w, 'prog-2', 'cc1', 'HOME_CARE');
    },
    actor: ACTORS.target,
    payload: { ...home, programmeId: 'prog-2' },
    refused: 'BED_KIND_MISMATCH',
  },
  {
    name: 'a full programme is refused',
    given: (w) => {
      homeReferral(null)(w);
      programme(w, 'prog-2', 'cc1', 'HOME_SICKBED', 0);
    },
    actor: ACTORS.target,
    payload: { ...home, programmeId: 'prog-2' },
    refused: 'PROGRAMME_FULL',
  },
]);
