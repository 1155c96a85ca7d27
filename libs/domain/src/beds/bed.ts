import { DomainError } from '../shared/errors';
import { AggregateRoot } from '../shared/events';
import { transition } from '../shared/state-machine';
import { BedKind, isPhysical, ServiceCode, Sex } from './bed-kinds';
import { BedCommand, BED_STATUS_MACHINE, BedStatus } from './bed-status';
import { StayEnd, stayEndedPayload } from '../stays/stay';

export interface BedCapabilities {
  services: ServiceCode[];
  sexRestriction: Sex | null;
  minCareLevel: number | null;
  maxCareLevel: number | null;
  isolationCapable: boolean;
  /** 保基本养老床位: placement needs grade ≥ 3, cognitive impairment or hardship (district policy). */
  basicGuarantee?: boolean;
}

/** A care-home resident gone UPWARD keeps their bed until `until`. */
export interface ReturnHold {
  patientId: string;
  until: Date;
}

export interface BedProps extends BedCapabilities {
  id: string;
  institutionId: string;
  districtId: string;
  kind: BedKind;
  ward: string;
  label: string;
  status: BedStatus;
  occupantPatientId: string | null;
  /** The live (HELD) reservation on this bed, read with the bed under its row lock. */
  liveReservationId: string | null;
  returnHold?: ReturnHold | null;
  /** Reserve (surge) capacity: kept out of matching unless the district has opened it (`reserveOpen`). */
  reserve?: boolean;
  reserveOpen?: boolean;
}

/** A physical bed (HOSPITAL, COMMUNITY, HOSPICE, CARE_HOME). Home-bed capacity lives on programmes. */
export class Bed extends AggregateRoot {
  readonly aggregateType = 'Bed' as const;
  private constructor(private p: BedProps) {
    super();
  }

  static register(props: Omit<BedProps, 'status' | 'occupantPatientId' | 'liveReservationId' | 'returnHold' | 'reserve' | 'reserveOpen'>, at: Date): Bed {
    if (!isPhysical(props.kind)) {
      throw new DomainError('VALIDATION_FAILED', `${props.kind} is a home bed: register a programme capacity instead of a bed`);
    }
    if (props.minCareLevel !== null && props.maxCareLevel !== null && props.minCareLevel > props.maxCareLevel) {
      throw new DomainError('VALIDATION_FAILED', 'minCareLevel must not exceed maxCareLevel');
    }
    const bed = new Bed({
      ...props,
      basicGuarantee: props.basicGuarantee ?? false,
      status: 'U',
      occupantPatientId: null,
      liveReservationId: null,
      returnHold: null,
    });
    bed.record('BedRegistered', bed.snapshot(), at);
    return bed;
  }

  static rehydrate(props: BedProps, version: number): Bed {
    const b = new Bed({ ...props });
    b.version = version;
    return b;
  }

  get id(): string {
    return this.p.id;
  }
  get props(): Readonly<BedProps> {
    return this.p;
  }
  get status(): BedStatus {
    return this.p.status;
  }

  snapshot(): Record<string, unknown> {
    const { liveReservationId: _r, occupantPatientId: _o, returnHold: _h, reserve: _s, reserveOpen: _so, ...rest } = this.p;
    return { bedId: this.p.id, ...rest };
  }

  /** May a new reservation be placed? U and nobody holding it. The DB unique index is the backstop. */
  assertReservable(forPatientId?: string): void {
    const hold = this.p.returnHold;
    if (hold && hold.patientId !== forPatientId) {
      throw new DomainError('BED_ALREADY_RESERVED', `bed ${this.p.label} is held for a resident's return until ${hold.until.toISOString()}`, {
        bedId: this.p.id,
        returnHoldUntil: hold.until.toISOString(),
      });
    }
    if (this.p.liveReservationId) {
      throw new DomainError('BED_ALREADY_RESERVED', `bed ${this.p.label} is already held by another reservation`, { bedId: this.p.id });
    }
    if (this.heldInReserve) {
      throw new DomainError('BED_NOT_AVAILABLE', `bed ${this.p.label} is reserve capacity the district has not opened`, {
        bedId: this.p.id,
        status: this.p.status,
        reserve: 'CLOSED',
      });
    }
    if (this.p.status !== 'U') {
      throw new DomainError('BED_NOT_AVAILABLE', `bed ${this.p.label} is ${this.p.status}, not available`, { bedId: this.p.id, status: this.p.status });
    }
  }

  /** Reserve capacity not opened by the district: out of every match, offer and hold. */
  get heldInReserve(): boolean {
    return !!this.p.reserve && !this.p.reserveOpen;
  }

  /**
   * The institution marks the bed as reserve (surge) capacity, or gives it back to normal use. A
   * reserve bed starts closed: only the district coordinator opens it (openReserve). The occupant of
   * a bed, if any, is not affected; the bed only stops being offered. The same answer twice is no change.
   */
  markReserve(reserve: boolean, at: Date, reason?: string): boolean {
    if (!!this.p.reserve === reserve) return false;
    this.p.reserve = reserve;
    this.p.reserveOpen = false;
    this.record('BedReserveMarked', { ...this.reserveRef(), reserve }, at, reason);
    return true;
  }

  /** The district coordinator opens (matching offers it again) or closes a reserve bed. */
  openReserve(open: boolean, at: Date, reason?: string): boolean {
    if (!this.p.reserve)
      throw new DomainError('INVALID_TRANSITION', `bed ${this.p.label} is not reserve capacity: its institution marks it first`, {
        machine: 'BedReserve',
        state: 'NOT_RESERVE',
        command: open ? 'OpenReserve' : 'CloseReserve',
        id: this.p.id,
      });
    if (!!this.p.reserveOpen === open) return false;
    this.p.reserveOpen = open;
    this.record(open ? 'BedReserveOpened' : 'BedReserveClosed', { ...this.reserveRef(), reserve: true }, at, reason);
    return true;
  }

  private reserveRef() {
    return {
      bedId: this.p.id,
      institutionId: this.p.institutionId,
      districtId: this.p.districtId,
      kind: this.p.kind,
      ward: this.p.ward,
      label: this.p.label,
      status: this.p.status,
      open: !!this.p.reserveOpen,
    };
  }

  /**
   * `referralId` null: an admission recorded by the institution (HL7 ADT^A01), not through a referral;
   * `direct` then says how the stay began (a direct admission, or a move from another of its beds),
   * recorded as StayBegan for the patient's journey, and for the family doctor's centre when told.
   */
  admit(
    patientId: string,
    referralId: string | null,
    at: Date,
    direct?: { via: 'DIRECT_ADMISSION' | 'WARD_TRANSFER'; fromBedId?: string | null; familyDoctorInstitutionId?: string | null },
  ): void {
    if (this.p.returnHold?.patientId === patientId) this.endReturnHold(at, 'released', 'the resident returned');
    this.apply('Admit', at, { patientId, referralId });
    this.p.occupantPatientId = patientId;
    this.p.liveReservationId = null;
    if (direct && referralId === null) {
      const fd = direct.familyDoctorInstitutionId ?? null;
      this.record(
        'StayBegan',
        {
          patientId,
          institutionId: this.p.institutionId,
          districtId: this.p.districtId,
          kind: this.p.kind,
          bedId: this.p.id,
          ward: this.p.ward,
          fromBedId: direct.fromBedId ?? null,
          via: direct.via,
          familyDoctorInstitutionId: fd,
          involved: fd ? [fd] : [],
        },
        at,
      );
    }
  }

  discharge(referralId: string | null, at: Date): void {
    const patientId = this.p.occupantPatientId;
    this.apply('Discharge', at, { patientId, referralId });
    this.p.occupantPatientId = null;
  }

  /** ADT^A11: the admission was entered in error; the bed is free again. */
  cancelAdmission(patientId: string, at: Date, reason?: string): void {
    if (this.p.occupantPatientId !== patientId)
      throw new DomainError('PATIENT_NOT_IN_BED', `bed ${this.p.label} is not occupied by this patient`, { bedId: this.p.id });
    this.apply('CancelAdmit', at, { patientId, referralId: null }, reason);
    this.p.occupantPatientId = null;
  }

  /** ADT^A13: the discharge was entered in error; the bed, still in housekeeping, takes the patient back. */
  cancelDischarge(patientId: string, at: Date, reason?: string): void {
    if (this.p.liveReservationId || (this.p.returnHold && this.p.returnHold.patientId !== patientId)) {
      throw new DomainError('BED_ALREADY_RESERVED', `bed ${this.p.label} is held for another patient`, { bedId: this.p.id });
    }
    this.apply('CancelDischarge', at, { patientId, referralId: null }, reason);
    this.p.occupantPatientId = patientId;
  }

  /**
   * The stay in this bed ends without a referral (EndStay): O → H, and StayEnded says why, to the
   * holding institution and the family doctor's centre. Only the occupant's stay can end here.
   */
  endStay(end: StayEnd, at: Date, note?: string): void {
    if (end.reason === 'ENROLMENT_ENDED')
      throw new DomainError('VALIDATION_FAILED', 'ENROLMENT_ENDED ends a home-programme enrolment, not a stay in a physical bed');
    if (this.p.occupantPatientId !== end.patientId)
      throw new DomainError('STAY_NOT_FOUND', `the patient has no stay in bed ${this.p.label}`, { bedId: this.p.id, patientId: end.patientId });
    this.apply('Discharge', at, { patientId: end.patientId, referralId: null, endReason: end.reason }, note);
    this.p.occupantPatientId = null;
    this.record(
      'StayEnded',
      stayEndedPayload(end, { institutionId: this.p.institutionId, districtId: this.p.districtId, kind: this.p.kind, bedId: this.p.id, programmeId: null }),
      at,
      note,
    );
  }

  /**
   * A transfer was aborted after the patient left this bed: they come back to it, if nobody else
   * has it (H not yet cleaned, or U and not held for anyone else). False when the bed is gone.
   */
  returnTo(patientId: string, referralId: string, at: Date, reason: string): boolean {
    if (this.p.occupantPatientId || this.p.liveReservationId) return false;
    if (this.p.returnHold && this.p.returnHold.patientId !== patientId) return false;
    if (this.p.status !== 'H' && this.p.status !== 'U') return false;
    if (this.p.returnHold) this.endReturnHold(at, 'released', reason);
    this.apply('Readmit', at, { patientId, referralId }, reason);
    this.p.occupantPatientId = patientId;
    return true;
  }

  /** The resident leaves for hospital; the bed waits for them. */
  placeReturnHold(patientId: string, until: Date, referralId: string, at: Date): void {
    this.p.returnHold = { patientId, until };
    this.record(
      'ReturnHoldPlaced',
      {
        bedId: this.p.id,
        institutionId: this.p.institutionId,
        districtId: this.p.districtId,
        kind: this.p.kind,
        patientId,
        until: until.toISOString(),
        referralId,
      },
      at,
    );
  }

  /** Used by the returning resident (on admission) or given up; `lapsed` when the days ran out. */
  endReturnHold(at: Date, how: 'released' | 'lapsed', reason?: string): boolean {
    const hold = this.p.returnHold;
    if (!hold) return false;
    if (how === 'lapsed' && hold.until > at) return false;
    this.p.returnHold = null;
    this.record(
      how === 'lapsed' ? 'ReturnHoldLapsed' : 'ReturnHoldReleased',
      {
        bedId: this.p.id,
        institutionId: this.p.institutionId,
        districtId: this.p.districtId,
        kind: this.p.kind,
        patientId: hold.patientId,
        until: hold.until.toISOString(),
      },
      at,
      reason,
    );
    return true;
  }

  operate(command: BedCommand, at: Date, reason?: string): void {
    if (command === 'Contaminate' && this.p.status === 'O')
      throw new DomainError('INVALID_TRANSITION', `bed ${this.p.label} is occupied: move the patient or end the stay before marking it contaminated (K)`, {
        machine: 'Bed',
        state: 'O',
        command,
        id: this.p.id,
      });
    this.apply(command, at, {}, reason);
  }

  private apply(command: BedCommand, at: Date, extra: Record<string, unknown>, reason?: string): void {
    const from = this.p.status;
    const to = transition(BED_STATUS_MACHINE, from, command, { id: this.p.id });
    this.p.status = to;
    this.record(
      'BedStatusChanged',
      {
        bedId: this.p.id,
        institutionId: this.p.institutionId,
        districtId: this.p.districtId,
        kind: this.p.kind,
        ward: this.p.ward,
        from,
        to,
        command,
        ...extra,
      },
      at,
      reason,
    );
  }
}
