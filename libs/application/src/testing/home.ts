import { Programme, Referral } from '@bedlink/domain';
import { ACTORS, DISTRICT, FakeUnitOfWork, T0 } from './fake-unit-of-work';

/** Adds a home programme to a fake world. */
export const addProgramme = (w: FakeUnitOfWork, id: string, institutionId: string, kind: Programme['props']['kind'], capacity = 2) => {
  const p = Programme.register(
    {
      id,
      institutionId,
      districtId: DISTRICT,
      kind,
      name: id,
      capacity,
      serviceArea: { areaCodes: [], radiusKm: null },
      services: [],
      minCareLevel: null,
      maxCareLevel: null,
    },
    T0,
  );
  p.pullEvents();
  w.add(p);
};
/** `ref-h`: pat-1 from hospital to a home sickbed, submitted; `offered`: to cc1 (`off-h`) with programme `prog-1` or none. */
export const homeReferral =
  (targetProgrammeId: string | null = 'prog-1', offered = true) =>
  (w: FakeUnitOfWork) => {
    const r = Referral.draft(
      {
        id: 'ref-h',
        patientId: 'pat-1',
        districtId: DISTRICT,
        originInstitutionId: 'hosp',
        originBedId: 'obed',
        originKind: 'HOSPITAL',
        requestedKind: 'HOME_SICKBED',
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
    if (offered)
      r.extendOffer(
        { offerId: 'off-h', targetInstitutionId: 'cc1', targetBedId: null, targetProgrammeId },
        { deadlineFor: (now) => new Date(now.getTime() + 3_600_000) },
        T0,
      );
    r.pullEvents();
    w.add(r);
  };
