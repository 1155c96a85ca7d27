import { randomUUID } from 'node:crypto';
import { assertAssessment, CareAssessment, DomainError, HomeAddress, Patient, Sex } from '@bedlink/domain';
import { Tx } from '../../ports';

export interface PatientDetails {
  residentId: string;
  name: string;
  phone?: string | null;
  sex?: Sex;
  birthDate?: string;
  assessment?: CareAssessment | null;
  hardship?: boolean;
  familyDoctorInstitutionId?: string | null;
  /** Where the patient lives: home programmes are matched from here. */
  home?: Partial<HomeAddress> | null;
}

/**
 * Master patient index: a resident ID the network already knows gets a care relationship for the
 * institution (what it supplied itself, no shared record); an unknown one registers the patient.
 * The same answer either way, so a registration tells a stranger nothing.
 */
export async function registerOrRelate(tx: Tx, institutionId: string, p: PatientDetails & { id?: string }, now: Date): Promise<string> {
  const residentId = p.residentId.toUpperCase();
  const knownId = await tx.findPatientByResidentId(residentId);
  if (knownId) {
    const known = await tx.getPatient(knownId);
    if (p.assessment) assertAssessment(p.assessment);
    if (!(await tx.careRelationshipsOf(known.id, institutionId)).kinds.includes('REGISTERED')) {
      known.addCareRelationship(
        {
          institutionId,
          kind: 'REGISTERED',
          sharedRecord: false,
          supplied: { name: p.name, phone: p.phone ?? null, assessment: p.assessment ?? null, hardship: p.hardship ?? false },
        },
        now,
      );
    }
    return known.id;
  }
  const patient = Patient.register(
    {
      id: p.id ?? randomUUID(),
      residentId,
      name: p.name,
      phone: p.phone ?? null,
      sex: p.sex,
      birthDate: p.birthDate,
      registeredBy: institutionId,
      assessment: p.assessment ?? null,
      hardship: p.hardship ?? false,
      familyDoctorInstitutionId: p.familyDoctorInstitutionId ?? null,
      home: p.home ? { areaCode: p.home.areaCode ?? null, lat: p.home.lat ?? null, lng: p.home.lng ?? null } : null,
    },
    now,
  );
  tx.add(patient);
  return patient.id;
}

/** A patient named by an admission record: by the engine's id, or by resident ID through the blind index. */
export interface PatientRef {
  patientId?: string;
  residentId?: string;
}

/** The patient a ref names, or PATIENT_NOT_FOUND (the same answer for "unknown" and "not yours"). */
export async function patientOf(tx: Tx, ref: PatientRef): Promise<string> {
  const id = ref.patientId ?? (ref.residentId ? await tx.findPatientByResidentId(ref.residentId.toUpperCase()) : null);
  if (!id) throw new DomainError('PATIENT_NOT_FOUND', 'no patient with this identifier is known');
  return id;
}
