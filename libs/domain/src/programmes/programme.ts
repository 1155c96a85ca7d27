import { DomainError } from '../shared/errors';
import { AggregateRoot } from '../shared/events';
import { BedKind, HOME_BED_KINDS, ServiceCode } from '../beds/bed-kinds';
import { StayEnd, stayEndedPayload } from '../stays/stay';

/** Where a home programme goes: named street/area codes, or a radius around its institution, or both. */
export interface ServiceArea {
  areaCodes: string[];
  radiusKm: number | null;
}

export interface Enrolment {
  id: string;
  patientId: string;
  referralId: string;
  startedAt: Date;
  endedAt: Date | null;
  endedByReferralId: string | null;
}

export interface ProgrammeProps {
  id: string;
  institutionId: string;
  districtId: string;
  kind: BedKind;
  name: string;
  capacity: number;
  serviceArea: ServiceArea;
  services: ServiceCode[];
  minCareLevel: number | null;
  maxCareLevel: number | null;
  /** Live (HELD) reservations on this programme, counted with the programme row locked. */
  liveReservations: number;
  /** Active enrolments (patients at home on the programme), loaded with the programme row locked. */
  enrolments: Enrolment[];
}

/**
 * A home-bed programme (HOME_SICKBED run by a community centre, HOME_CARE by an elderly-care
 * institution): a declared number of slots, not physical beds. Capacity is the invariant
 * live reservations + active enrolments <= capacity, checked with the programme row locked.
 */
export class Programme extends AggregateRoot {
  readonly aggregateType = 'Programme' as const;
  private constructor(private p: ProgrammeProps) {
    super();
  }

  static register(props: Omit<ProgrammeProps, 'liveReservations' | 'enrolments'>, at: Date): Programme {
    if (!HOME_BED_KINDS.includes(props.kind))
      throw new DomainError('VALIDATION_FAILED', `${props.kind} is a physical bed kind: register beds, not a programme`);
    assertCapacity(props.capacity);
    if (props.minCareLevel !== null && props.maxCareLevel !== null && props.minCareLevel > props.maxCareLevel)
      throw new DomainError('VALIDATION_FAILED', 'minCareLevel must not exceed maxCareLevel');
    const prog = new Programme({ ...props, liveReservations: 0, enrolments: [] });
    prog.record('ProgrammeRegistered', prog.snapshot(), at);
    return prog;
  }

  static rehydrate(props: ProgrammeProps, version: number): Programme {
    const prog = new Programme({ ...props, enrolments: props.enrolments.map((e) => ({ ...e })) });
    prog.version = version;
    return prog;
  }

  get id(): string {
    return this.p.id;
  }
  get props(): Readonly<ProgrammeProps> {
    return this.p;
  }
  get activeEnrolments(): Enrolment[] {
    return this.p.enrolments.filter((e) => e.endedAt === null);
  }
  get used(): number {
    return this.p.liveReservations + this.activeEnrolments.length;
  }
  get free(): number {
    return Math.max(0, this.p.capacity - this.used);
  }

  snapshot(): Record<string, unknown> {
    const { liveReservations: _r, enrolments: _e, ...rest } = this.p;
    return { programmeId: this.p.id, ...rest };
  }

  /** A new hold needs a free slot; the caller holds the programme row lock so the count is exact. */
  assertHasRoom(): void {
    if (this.used >= this.p.capacity) {
      throw new DomainError('PROGRAMME_FULL', `programme ${this.p.name} is full (${this.used}/${this.p.capacity})`, {
        programmeId: this.p.id,
        capacity: this.p.capacity,
        used: this.used,
      });
    }
  }

  /** Called when a hold is placed in the same transaction, so a second accept in it sees the slot gone. */
  noteReserved(): void {
    this.p.liveReservations += 1;
  }

  /** Lowering below what is in use would break promises already made: refused. */
  changeCapacity(capacity: number, at: Date, reason?: string): void {
    assertCapacity(capacity);
    if (capacity < this.used) {
      throw new DomainError('PROGRAMME_FULL', `capacity ${capacity} is below the ${this.used} slots in use`, { programmeId: this.p.id, used: this.used });
    }
    const from = this.p.capacity;
    if (from === capacity) return;
    this.p.capacity = capacity;
    this.record(
      'ProgrammeCapacityChanged',
      {
        programmeId: this.p.id,
        institutionId: this.p.institutionId,
        districtId: this.p.districtId,
        kind: this.p.kind,
        from,
        to: capacity,
        delta: capacity - from,
      },
      at,
      reason,
    );
  }

  /** The held slot is consumed by the patient's arrival: the patient is now on the programme. */
  enrol(input: { enrolmentId: string; patientId: string; referralId: string }, at: Date): Enrolment {
    if (this.activeEnrolments.some((e) => e.patientId === input.patientId))
      throw new DomainError('INVALID_TRANSITION', 'the patient is already enrolled on this programme');
    const e: Enrolment = {
      id: input.enrolmentId,
      patientId: input.patientId,
      referralId: input.referralId,
      startedAt: at,
      endedAt: null,
      endedByReferralId: null,
    };
    this.p.enrolments.push(e);
    this.p.liveReservations = Math.max(0, this.p.liveReservations - 1);
    this.record('PatientEnrolled', { ...this.facts(), enrolmentId: e.id, patientId: e.patientId, referralId: e.referralId }, at);
    return e;
  }

  /** The patient left the programme (transferred elsewhere): the slot is free again. */
  endEnrolment(patientId: string, referralId: string | null, at: Date): Enrolment | null {
    const e = this.activeEnrolments.find((x) => x.patientId === patientId);
    if (!e) return null;
    e.endedAt = at;
    e.endedByReferralId = referralId;
    this.record('EnrolmentEnded', { ...this.facts(), enrolmentId: e.id, patientId, referralId }, at);
    return e;
  }

  /** The patient's enrolment ends without a referral (EndStay): the slot is free, StayEnded says why. */
  endStay(end: StayEnd, at: Date, note?: string): void {
    if (!this.activeEnrolments.some((e) => e.patientId === end.patientId))
      throw new DomainError('STAY_NOT_FOUND', `the patient is not enrolled on programme ${this.p.name}`, { programmeId: this.p.id, patientId: end.patientId });
    this.endEnrolment(end.patientId, null, at);
    this.record(
      'StayEnded',
      stayEndedPayload(end, { institutionId: this.p.institutionId, districtId: this.p.districtId, kind: this.p.kind, bedId: null, programmeId: this.p.id }),
      at,
      note,
    );
  }

  private facts(): Record<string, unknown> {
    return { programmeId: this.p.id, institutionId: this.p.institutionId, districtId: this.p.districtId, kind: this.p.kind };
  }
}

function assertCapacity(c: number): void {
  if (!Number.isInteger(c) || c < 0 || c > 10_000) throw new DomainError('VALIDATION_FAILED', 'capacity must be an integer 0-10000');
}
