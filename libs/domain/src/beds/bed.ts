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
}

/** A physical bed (HOSPITAL, COMMUNITY, HOSPICE, CARE_HOME). Home-bed capacity lives on programmes. */
export class Bed extends AggregateRoot {
  readonly aggregateType = 'Bed' as const;
  private constructor(private p: BedProps) {
    super();
  }

  static register(props: Omit<BedProps, 'status' | 'occupantPatientId' | 'liveReservationId' | 'returnHold'>, at: Date): Bed {
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
    const { liveReservationId: _r, occupantPatientId: _o, returnHold: _h, ...rest } = this.p;
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
    if (this.p.status !== 'U') {
      throw new DomainError('BED_NOT_AVAILABLE', `bed ${this.p.label} is ${this.p.status}, not available`, { bedId: this.p.id, status: this.p.status });
    }
  }

  admit(patientId: string, referralId: string, at: Date): void {
    if (this.p.returnHold?.patientId === patientId) this.endReturnHold(at, 'released', 'the resident returned');
    this.apply('Admit', at, { patientId, referralId });
    this.p.occupantPatientId = patientId;
    this.p.liveReservationId = null;
  }

  discharge(referralId: string | null, at: Date): void {
    const patientId = this.p.occupantPatientId;
    this.apply('Discharge', at, { patientId, referralId });
    this.p.occupantPatientId = null;
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
