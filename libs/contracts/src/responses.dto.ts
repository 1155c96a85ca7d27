import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  BED_KINDS,
  BED_STATUSES,
  DIRECTIONS,
  INSTITUTION_TYPES,
  OFFER_STATES,
  REFERRAL_STATES,
  RESERVATION_STATES,
  SERVICES,
  URGENCIES,
} from '@bedlink/domain';

/*
 * Response shapes of the REST read side, for the OpenAPI document only (the handlers build
 * plain objects; test/openapi*.e2e-spec.ts checks the document).
 */

export class InstitutionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: INSTITUTION_TYPES }) type!: string;
  @ApiProperty() districtId!: string;
  @ApiProperty() address!: string;
  @ApiProperty({ type: Number, nullable: true }) lat!: number | null;
  @ApiProperty({ type: Number, nullable: true }) lng!: number | null;
  @ApiProperty({ enum: SERVICES, isArray: true }) services!: string[];
  @ApiProperty({ type: String, enum: ['PUBLIC', 'PRIVATE'], nullable: true }) ownership!: string | null;
}

export class BedView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) institutionId!: string;
  @ApiProperty() districtId!: string;
  @ApiProperty({ enum: BED_KINDS }) kind!: string;
  @ApiProperty() ward!: string;
  @ApiProperty() label!: string;
  @ApiProperty({ enum: BED_STATUSES, description: 'HL7 v2 table 0116' }) status!: string;
  @ApiProperty({ description: 'A live reservation holds the bed' }) reserved!: boolean;
  @ApiProperty({ enum: SERVICES, isArray: true }) services!: string[];
  @ApiProperty({ type: String, nullable: true }) sexRestriction!: string | null;
  @ApiProperty({ type: Number, nullable: true }) minCareLevel!: number | null;
  @ApiProperty({ type: Number, nullable: true }) maxCareLevel!: number | null;
  @ApiProperty() isolationCapable!: boolean;
  @ApiProperty() version!: number;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'Only to the bed’s own institution' }) occupantPatientId?: string | null;
}

/** Reserve (surge) beds of one board cell, by bucket; `open` of them the district has opened to matching. */
export class ReserveCounts {
  @ApiProperty() total!: number;
  @ApiProperty({ description: 'opened to matching by the district coordinator' }) open!: number;
  @ApiProperty() free!: number;
  @ApiProperty({ description: 'free and open: what matching may offer now' }) openFree!: number;
  @ApiProperty() reserved!: number;
  @ApiProperty() occupied!: number;
  @ApiProperty() cleaning!: number;
  @ApiProperty() closed!: number;
  @ApiProperty() isolated!: number;
  @ApiProperty() contaminated!: number;
}

export class BedBoardRow {
  @ApiProperty({ format: 'uuid' }) institutionId!: string;
  @ApiProperty() districtId!: string;
  @ApiProperty({ enum: BED_KINDS }) kind!: string;
  @ApiProperty() total!: number;
  @ApiProperty() free!: number;
  @ApiProperty() reserved!: number;
  @ApiProperty() occupied!: number;
  @ApiProperty() cleaning!: number;
  @ApiProperty() closed!: number;
  @ApiProperty() isolated!: number;
  @ApiProperty() contaminated!: number;
  @ApiPropertyOptional({
    type: ReserveCounts,
    description: 'reserve (surge) beds, shown apart: the counts above are the beds in normal use; absent when the cell has none',
  })
  reserve?: ReserveCounts;
}

export class PatientView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() residentId!: string;
  @ApiProperty({ type: String, nullable: true }) phone!: string | null;
  @ApiProperty({ enum: ['F', 'M'] }) sex!: string;
  @ApiProperty({ format: 'date' }) birthDate!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) assessment!: Record<string, unknown> | null;
  @ApiProperty() hardship!: boolean;
}

export class OfferView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) targetInstitutionId!: string;
  @ApiProperty({ type: String, nullable: true }) targetName!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) targetBedId!: string | null;
  @ApiProperty({ enum: OFFER_STATES }) state!: string;
  @ApiProperty() rank!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deadlineAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) viewedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) viewedBy!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) answeredAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) answeredBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) declineReason!: string | null;
  @ApiProperty({ type: String, nullable: true }) declinedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) declineText!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'set while the clock is paused (NEED_MORE_INFO)' }) pausedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'time left, kept while paused' }) remainingMs!: number | null;
}

export class ReservationView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) offerId!: string;
  @ApiProperty({ format: 'uuid' }) institutionId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) bedId!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) programmeId!: string | null;
  @ApiProperty({ enum: RESERVATION_STATES }) state!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) endedAt!: string | null;
}

export class ReferralOrigin {
  @ApiProperty({ format: 'uuid' }) institutionId!: string;
  @ApiProperty({ type: String, nullable: true }) name!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) bedId!: string | null;
}

export class ReferralView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: REFERRAL_STATES }) state!: string;
  @ApiProperty({ description: 'FHIR Task.status of the state' }) fhirStatus!: string;
  @ApiProperty({ type: String, nullable: true }) stateReason!: string | null;
  @ApiProperty({ enum: DIRECTIONS }) direction!: string;
  @ApiProperty({ enum: URGENCIES }) urgency!: string;
  @ApiProperty({ enum: ['BROADCAST', 'CASCADE'] }) strategy!: string;
  @ApiProperty({ enum: BED_KINDS }) originKind!: string;
  @ApiProperty({ enum: BED_KINDS }) requestedKind!: string;
  @ApiProperty({ enum: SERVICES, isArray: true }) services!: string[];
  @ApiProperty({ type: Number, nullable: true }) careLevel!: number | null;
  @ApiProperty() clinicalSummary!: string;
  @ApiProperty() consent!: boolean;
  @ApiProperty({ format: 'uuid' }) patientId!: string;
  @ApiProperty() districtId!: string;
  @ApiProperty({ type: ReferralOrigin }) origin!: ReferralOrigin;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expectedArrival!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ type: [OfferView] }) offers!: OfferView[];
  @ApiProperty({ type: [ReservationView] }) reservations!: ReservationView[];
  @ApiPropertyOptional({ type: Object, nullable: true, description: "The patient's and family's choice (ranked, excluded, near whom, who said so)" })
  preferences?: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: Object, nullable: true, description: 'The booked transport: mode, pickup, expected arrival, escort, status' })
  transport?: Record<string, unknown> | null;
}

export class HistoryEntry {
  @ApiProperty() seq!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() event!: string;
  @ApiProperty({ type: String, nullable: true }) state!: string | null;
  @ApiProperty() actor!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ type: String, nullable: true }) institution!: string | null;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
}

export class ReferralDetail extends ReferralView {
  @ApiProperty({ type: [HistoryEntry] }) history!: HistoryEntry[];
}

export class AuditVerification {
  @ApiProperty() ok!: boolean;
  @ApiProperty() records!: number;
  @ApiProperty() chains!: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Where the first break is, when ok is false' }) firstBreak?: Record<
    string,
    unknown
  >;
  @ApiPropertyOptional({ enum: ['full', 'incremental'], description: 'incremental: signed checkpoints, then only the records after the last one' })
  mode?: string;
  @ApiPropertyOptional({ description: 'signed checkpoints whose signatures were verified' }) checkpoints?: number;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'the last checkpoint {id, createdAt, coveringSeq, chains, digest}: compare with a copy kept outside the database',
  })
  checkpoint?: Record<string, unknown> | null;
}

export class AuditRecordView {
  @ApiProperty() seq!: number;
  @ApiProperty() globalSeq!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) actor!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true }) correlationId!: string | null;
  @ApiProperty({ type: String, nullable: true }) causationId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: Record<string, unknown>;
  @ApiProperty() prevHash!: string;
  @ApiProperty() hash!: string;
}

export class AuditTrail {
  @ApiProperty({ format: 'uuid' }) referralId!: string;
  @ApiProperty({ type: [AuditRecordView] }) records!: AuditRecordView[];
  @ApiPropertyOptional({ type: AuditVerification }) verification?: AuditVerification;
}

export class CommandStatusView {
  @ApiProperty() commandId!: string;
  @ApiProperty({ description: 'completed, or the BullMQ job state (waiting, active, delayed, failed…)' }) state!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: '{ ok, result } or { ok: false, error }' }) outcome?: Record<string, unknown>;
}
