import { CareAssessment, Patient, PatientProps, residentIdCheckChar } from '@bedlink/domain';
import { FakeUnitOfWork, T0 } from './fake-unit-of-work';

let serial = 0;

/**
 * A valid resident ID (GB 11643) for a birth date and sex, made at run time: region 110105, a serial
 * of its own per call (so two patients never share one), the sex digit and the check character.
 */
export function residentIdFor(birthDate: string, sex: 'F' | 'M'): string {
  serial = (serial + 1) % 50;
  // the 17th digit: odd for a man, even for a woman
  const seq = `${String(serial).padStart(2, '0')}${sex === 'M' ? 1 : 2}`;
  const first17 = `110105${birthDate.split('-').join('')}${seq}`;
  return first17 + residentIdCheckChar(first17);
}

/** A care assessment made `daysAgo` days before T0, valid for a year from then. */
export function assessment(grade: number, daysAgo = 30): CareAssessment {
  const on = new Date(T0.getTime() - daysAgo * 86_400_000);
  const until = new Date(on.getTime() + 365 * 86_400_000);
  return { grade, type: 'INITIAL', assessedOn: on.toISOString().slice(0, 10), expiresOn: until.toISOString().slice(0, 10), cognitiveImpairment: false };
}

/**
 * Adds a patient to a fake world, registered by `registeredBy` at T0 (born 1950-03-01, female, no assessment,
 * unless `over` says otherwise); its events are dropped.
 */
export function addPatient(
  w: FakeUnitOfWork,
  id: string,
  registeredBy: string,
  over: Partial<Pick<PatientProps, 'assessment' | 'hardship' | 'familyDoctorInstitutionId' | 'home' | 'birthDate' | 'sex'>> = {},
): Patient {
  const birthDate = over.birthDate ?? '1950-03-01';
  const sex = over.sex ?? 'F';
  const p = Patient.register(
    { id, residentId: residentIdFor(birthDate, sex), name: id, phone: null, registeredBy, assessment: null, hardship: false, ...over, birthDate, sex },
    T0,
  );
  p.pullEvents();
  w.add(p);
  return p;
}
