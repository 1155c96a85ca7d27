import { DomainError } from '../shared/errors';
import { AggregateRoot } from '../shared/events';
import { Sex } from '../beds/bed-kinds';
import { isValidResidentId, residentIdFacts } from './resident-id';

export const ASSESSMENT_TYPES = ['INITIAL', 'ONGOING', 'REVIEW'] as const;
export type AssessmentType = (typeof ASSESSMENT_TYPES)[number];

/** 老年照护统一需求评估: grade 0-6, valid for at most two years. */
export interface CareAssessment {
  grade: number;
  type: AssessmentType;
  assessedOn: string;
  expiresOn: string;
  cognitiveImpairment: boolean;
}

export interface PatientProps {
  id: string;
  /** Identifiers: encrypted at rest by persistence; never put in events. */
  residentId: string;
  name: string;
  phone: string | null;
  sex: Sex;
  birthDate: string;
  registeredBy: string;
  assessment: CareAssessment | null;
  hardship: boolean;
  /** The community centre the patient has a family-doctor contract (家庭医生签约) with, if any. */
  familyDoctorInstitutionId?: string | null;
  /** Where the patient lives: home programmes are matched from here. Identifying: encrypted at rest, never in events. */
  home?: HomeAddress | null;
}

/** A home address as matching needs it: the street/area code and the coordinates. */
export interface HomeAddress {
  areaCode: string | null;
  lat: number | null;
  lng: number | null;
}

export const CARE_RELATIONSHIP_KINDS = ['REGISTERED', 'REFERRED', 'RECEIVED'] as const;
export type CareRelationshipKind = (typeof CARE_RELATIONSHIP_KINDS)[number];

/** What an institution supplied when it registered a resident ID the network already knew. */
export interface SuppliedRecord {
  name: string;
  phone: string | null;
  assessment: CareAssessment | null;
  hardship: boolean;
}

/**
 * One care relationship of the master patient index. `sharedRecord`: the institution sees and
 * maintains the shared record (the first registrant, an institution that received the patient);
 * otherwise it sees only what it supplied itself (`supplied`): registering a known resident ID
 * proves nothing about the person, so it earns no one else's data.
 */
export interface NewCareRelationship {
  institutionId: string;
  kind: CareRelationshipKind;
  sharedRecord: boolean;
  supplied: SuppliedRecord | null;
}

export class Patient extends AggregateRoot {
  readonly aggregateType = 'Patient' as const;
  private added: NewCareRelationship[] = [];
  private constructor(private p: PatientProps) {
    super();
  }

  /** Care relationships added since load, for persistence to write (then forgotten). */
  takeNewRelationships(): NewCareRelationship[] {
    const out = this.added;
    this.added = [];
    return out;
  }

  /**
   * Another institution registers or receives this patient: a care relationship of its own, on
   * the patient's audit chain. The payload names the institution and the kind, never what it supplied.
   */
  addCareRelationship(rel: NewCareRelationship, at: Date): void {
    if (rel.supplied?.assessment) assertAssessment(rel.supplied.assessment);
    this.added.push({ ...rel });
    this.record('CareRelationshipAdded', { patientId: this.p.id, institutionId: rel.institutionId, kind: rel.kind, sharedRecord: rel.sharedRecord }, at);
  }

  static register(props: Omit<PatientProps, 'sex' | 'birthDate'> & { sex?: Sex; birthDate?: string }, at: Date): Patient {
    if (!isValidResidentId(props.residentId)) {
      throw new DomainError('INVALID_RESIDENT_ID', 'residentId is not a valid GB 11643 citizen identity number (check digit or birth date wrong)');
    }
    const facts = residentIdFacts(props.residentId);
    if (props.assessment) assertAssessment(props.assessment);
    const p = new Patient({ ...props, sex: props.sex ?? facts.sex, birthDate: props.birthDate ?? facts.birthDate });
    // Identifiers stay out of the event: events leave the institutions involved.
    p.record(
      'PatientRegistered',
      {
        patientId: p.id,
        sex: p.p.sex,
        birthYear: Number(p.p.birthDate.slice(0, 4)),
        registeredBy: props.registeredBy,
        careGrade: props.assessment?.grade ?? null,
      },
      at,
    );
    p.added.push({ institutionId: props.registeredBy, kind: 'REGISTERED', sharedRecord: true, supplied: null });
    return p;
  }

  static rehydrate(props: PatientProps, version: number): Patient {
    const p = new Patient({ ...props });
    p.version = version;
    return p;
  }

  get id(): string {
    return this.p.id;
  }
  get props(): Readonly<PatientProps> {
    return this.p;
  }

  /** A new assessment (initial, ongoing after a significant change, or review on appeal). */
  updateAssessment(a: CareAssessment, hardship: boolean | undefined, by: string, at: Date): void {
    assertAssessment(a);
    this.p.assessment = { ...a };
    if (hardship !== undefined) this.p.hardship = hardship;
    this.record(
      'AssessmentUpdated',
      {
        patientId: this.p.id,
        grade: a.grade,
        type: a.type,
        assessedOn: a.assessedOn,
        expiresOn: a.expiresOn,
        cognitiveImpairment: a.cognitiveImpairment,
        hardship: this.p.hardship,
        updatedBy: by,
      },
      at,
    );
  }

  /**
   * A person opened this patient's record. The fact joins the patient's audit chain (who and
   * when come from the audit record's actor and time, why from `reason`); no identifier in it.
   */
  recordAccess(access: { kind: 'READ' | 'LOOKUP'; referralId?: string | null }, reason: string, at: Date): void {
    this.record('PatientRecordAccessed', { patientId: this.p.id, access: access.kind, referralId: access.referralId ?? null }, at, reason);
  }

  ageOn(date: Date): number {
    return ageOn(this.p.birthDate, date);
  }
}

/** Age in whole years on `date` of someone born on `birthDate` (YYYY-MM-DD). */
export function ageOn(birthDate: string, date: Date): number {
  const [y, m, d] = birthDate.split('-').map(Number);
  let age = date.getUTCFullYear() - y;
  if (date.getUTCMonth() + 1 < m || (date.getUTCMonth() + 1 === m && date.getUTCDate() < d)) age--;
  return age;
}

export function assertAssessment(a: CareAssessment): void {
  if (!Number.isInteger(a.grade) || a.grade < 0 || a.grade > 6) throw new DomainError('VALIDATION_FAILED', 'care assessment grade must be an integer 0-6');
  if (a.expiresOn < a.assessedOn) throw new DomainError('VALIDATION_FAILED', 'care assessment expires before it was made');
}
