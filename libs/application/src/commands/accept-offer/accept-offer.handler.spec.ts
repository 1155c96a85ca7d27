import { Bed, CareAssessment, Institution, Patient, Programme, Referral } from '@bedlink/domain';
import { addBed } from '../../testing/beds';
import { actor, ACTORS, DISTRICT, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { addProgramme as programme, homeReferral } from '../../testing/home';
import { describeHandler } from '../../testing/handler-cases';
import { AcceptOfferCommand } from './accept-offer.command';
import { AcceptOfferHandler } from './accept-offer.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1' };

const home = { referralId: 'ref-h', offerId: 'off-h' };
const careHome = actor('CARE_HOME_ADMISSIONS', 'home');
const day = 86_400_000;
const isoDay = (ms: number) => new Date(T0.getTime() + ms).toISOString().slice(0, 10);
/** A care assessment of `grade`, made a month before T0 and valid a year after it. */
const assessment = (grade: number): CareAssessment => ({
  grade,
  type: 'INITIAL',
  assessedOn: isoDay(-30 * day),
  expiresOn: isoDay(365 * day),
  cognitiveImpairment: false,
});
/**
 * `ref-c`: pat-1 (with `patient`'s assessment and hardship) from the hospital to a care home `home`, offered
 * there (`off-c`) with its CARE_HOME bed `cbed`, a basic-guarantee (保基本) bed or not.
 */
const careHomeOffer =
  (basicGuarantee: boolean, patient: { assessment: CareAssessment | null; hardship?: boolean }, offeredBedId: string | null = 'cbed') =>
  (w: FakeUnitOfWork) => {
    w.add(
      Institution.register(
        { id: 'home', code: 'home', name: 'home', type: 'ELDERLY_CARE_INSTITUTION', districtId: DISTRICT, address: '', lat: null, lng: null, services: [] },
        T0,
      ),
    );
    w.add(
      Bed.register(
        {
          id: 'cbed',
          institutionId: 'home',
          districtId: DISTRICT,
          kind: 'CARE_HOME',
          ward: 'W',
          label: 'cbed',
          services: [],
          sexRestriction: null,
          minCareLevel: null,
          maxCareLevel: null,
          isolationCapable: false,
          basicGuarantee,
        },
        T0,
      ),
    );
    const pat = w.all.get('pat-1') as Patient;
    w.add(Patient.rehydrate({ ...pat.props, assessment: patient.assessment, hardship: patient.hardship ?? false }, 1));
    const r = Referral.draft(
      {
        id: 'ref-c',
        patientId: 'pat-1',
        districtId: DISTRICT,
        originInstitutionId: 'hosp',
        originBedId: 'obed',
        originKind: 'HOSPITAL',
        requestedKind: 'CARE_HOME',
        services: [],
        urgency: 'ROUTINE',
        strategy: 'BROADCAST',
        fanout: 3,
        clinicalSummary: 'stable',
        careLevel: null,
        consent: true,
        expectedArrival: null,
        dispatch: 'MANUAL',
      },
      ACTORS.origin,
      T0,
    );
    r.submit(ACTORS.origin, T0);
    r.extendOffer(
      { offerId: 'off-c', targetInstitutionId: 'home', targetBedId: offeredBedId, targetProgrammeId: null },
      { deadlineFor: (now) => new Date(now.getTime() + 3_600_000) },
      T0,
    );
    w.add(r);
    for (const a of w.all.values()) a.pullEvents();
  };
const careHomePayload = { referralId: 'ref-c', offerId: 'off-c' };
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
    after: (w, result) => {
      // the slot is counted as held at once: a second accept in the same transaction sees it gone
      expect((w.all.get('prog-1') as Programme).props.liveReservations).toBe(1);
      const r = w.all.get('ref-h') as Referral;
      expect(r.state).toBe('ACCEPTED');
      expect(r.heldReservation).toMatchObject({ id: result.reservationId, bedId: null, programmeId: 'prog-1', institutionId: 'cc1' });
      // ROUTINE holds last 48 h by default
      expect(result.holdUntil).toBe(new Date(T0.getTime() + 48 * 3_600_000).toISOString());
    },
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
    after: (w) => {
      expect((w.all.get('prog-2') as Programme).props.liveReservations).toBe(1);
      expect((w.all.get('prog-1') as Programme).props.liveReservations).toBe(0);
    },
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
  {
    name: 'a bed place with no bed offered or named is refused',
    given: careHomeOffer(false, { assessment: assessment(2) }, null),
    actor: careHome,
    payload: careHomePayload,
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'the bed named in the answer is used when the offer named none',
    given: careHomeOffer(false, { assessment: assessment(2) }, null),
    actor: careHome,
    payload: { ...careHomePayload, bedId: 'cbed' },
    events: ['OfferAccepted', 'BedReserved'],
    result: { bedId: 'cbed' },
  },
  {
    name: 'an ordinary care-home bed: no basic-guarantee check at accept',
    given: careHomeOffer(false, { assessment: null }),
    actor: careHome,
    payload: careHomePayload,
    events: ['OfferAccepted', 'BedReserved'],
    result: { offerId: 'off-c', bedId: 'cbed' },
    after: (w) => expect(w.payloadOf('BedReserved')).toMatchObject({ bedId: 'cbed', institutionId: 'home', kind: 'CARE_HOME', programmeId: null }),
  },
  {
    name: 'a basic-guarantee bed refuses a patient below its grade',
    given: careHomeOffer(true, { assessment: assessment(2) }),
    actor: careHome,
    payload: careHomePayload,
    refused: 'CARE_GRADE_INELIGIBLE',
    details: { reason: 'BASIC_GUARANTEE', minGrade: 3 },
  },
  {
    name: 'a basic-guarantee bed refuses a patient with no assessment',
    given: careHomeOffer(true, { assessment: null }),
    actor: careHome,
    payload: careHomePayload,
    refused: 'CARE_GRADE_MISSING',
    details: { reason: 'MISSING' },
  },
  {
    name: 'a basic-guarantee bed takes a patient of its grade',
    given: careHomeOffer(true, { assessment: assessment(3) }),
    actor: careHome,
    payload: careHomePayload,
    events: ['OfferAccepted', 'BedReserved'],
  },
  {
    name: 'a basic-guarantee bed takes a patient below its grade in a hardship category',
    given: careHomeOffer(true, { assessment: assessment(2), hardship: true }),
    actor: careHome,
    payload: careHomePayload,
    events: ['OfferAccepted', 'BedReserved'],
  },
]);
