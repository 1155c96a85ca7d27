import { Column, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/*
 * ORM entities are the read side's view of the tables, not the domain: the write path goes
 * through the unit of work with explicit SQL (optimistic checks, row locks, chained audit).
 * The schema itself is owned by migrations.
 */

const tz = { type: 'timestamptz' as const };
const tzNull = { type: 'timestamptz' as const, nullable: true };

@Entity('institutions')
export class InstitutionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') code!: string;
  @Column('text') name!: string;
  @Column('text') type!: string;
  @Column('text', { name: 'district_id' }) districtId!: string;
  @Column('text') address!: string;
  @Column('double precision', { nullable: true }) lat!: number | null;
  @Column('double precision', { nullable: true }) lng!: number | null;
  @Column('text', { array: true }) services!: string[];
  @Column('text', { nullable: true }) ownership!: string | null;
  @Column('int') version!: number;
  @Column('int', { name: 'chain_seq' }) chainSeq!: number;
  @Column('text', { name: 'chain_hash', nullable: true }) chainHash!: string | null;
  @Column({ ...tz, name: 'created_at' }) createdAt!: Date;
  @Column({ ...tz, name: 'updated_at' }) updatedAt!: Date;
}

@Entity('patients')
export class PatientEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text', { name: 'resident_id_hash' }) residentIdHash!: string;
  @Column('text', { name: 'resident_id_enc' }) residentIdEnc!: string;
  @Column('text', { name: 'name_enc' }) nameEnc!: string;
  @Column('text', { name: 'phone_enc', nullable: true }) phoneEnc!: string | null;
  @Column('char', { length: 1 }) sex!: string;
  @Column('date', { name: 'birth_date' }) birthDate!: string;
  @Column('uuid', { name: 'registered_by_institution' }) registeredByInstitution!: string;
  @Column('jsonb', { nullable: true }) assessment!: Record<string, unknown> | null;
  @Column('boolean') hardship!: boolean;
  @Column('int') version!: number;
  @Column('int', { name: 'chain_seq' }) chainSeq!: number;
  @Column('text', { name: 'chain_hash', nullable: true }) chainHash!: string | null;
  @Column({ ...tz, name: 'created_at' }) createdAt!: Date;
  @Column({ ...tz, name: 'updated_at' }) updatedAt!: Date;
}

@Entity('beds')
export class BedEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'institution_id' }) institutionId!: string;
  @Column('text', { name: 'district_id' }) districtId!: string;
  @Column('text') kind!: string;
  @Column('text') ward!: string;
  @Column('text') label!: string;
  @Column('char', { length: 1 }) status!: string;
  @Column('uuid', { name: 'occupant_patient_id', nullable: true }) occupantPatientId!: string | null;
  @Column('text', { array: true }) services!: string[];
  @Column('char', { length: 1, name: 'sex_restriction', nullable: true }) sexRestriction!: string | null;
  @Column('smallint', { name: 'min_care_level', nullable: true }) minCareLevel!: number | null;
  @Column('smallint', { name: 'max_care_level', nullable: true }) maxCareLevel!: number | null;
  @Column('boolean', { name: 'isolation_capable' }) isolationCapable!: boolean;
  @Column('int') version!: number;
  @Column('int', { name: 'chain_seq' }) chainSeq!: number;
  @Column('text', { name: 'chain_hash', nullable: true }) chainHash!: string | null;
  @Column({ ...tz, name: 'created_at' }) createdAt!: Date;
  @Column({ ...tz, name: 'updated_at' }) updatedAt!: Date;
}

@Entity('referrals')
export class ReferralEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'patient_id' }) patientId!: string;
  @Column('text', { name: 'district_id' }) districtId!: string;
  @Column('uuid', { name: 'origin_institution_id' }) originInstitutionId!: string;
  @Column('uuid', { name: 'origin_bed_id', nullable: true }) originBedId!: string | null;
  @Column('text', { name: 'origin_kind' }) originKind!: string;
  @Column('text', { name: 'requested_kind' }) requestedKind!: string;
  @Column('text') direction!: string;
  @Column('text', { array: true }) services!: string[];
  @Column('text') urgency!: string;
  @Column('text') strategy!: string;
  @Column('text') dispatch!: string;
  @Column('smallint') fanout!: number;
  @Column('text', { name: 'clinical_summary' }) clinicalSummary!: string;
  @Column('smallint', { name: 'care_level', nullable: true }) careLevel!: number | null;
  @Column('boolean') consent!: boolean;
  @Column({ ...tzNull, name: 'expected_arrival' }) expectedArrival!: Date | null;
  @Column('text') state!: string;
  @Column('text', { name: 'state_reason', nullable: true }) stateReason!: string | null;
  @Column('jsonb') candidates!: unknown[];
  @Column('int', { name: 'candidate_cursor' }) candidateCursor!: number;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('int') version!: number;
  @Column('int', { name: 'chain_seq' }) chainSeq!: number;
  @Column('text', { name: 'chain_hash', nullable: true }) chainHash!: string | null;
  @Column({ ...tz, name: 'created_at' }) createdAt!: Date;
  @Column({ ...tz, name: 'updated_at' }) updatedAt!: Date;
  @Column('jsonb', { nullable: true }) preferences!: Record<string, any> | null;
  @Column('jsonb', { nullable: true }) transport!: Record<string, any> | null;
  @OneToMany(() => OfferEntity, (o) => o.referral) offers!: OfferEntity[];
  @OneToMany(() => ReservationEntity, (r) => r.referral) reservations!: ReservationEntity[];
}

@Entity('offers')
export class OfferEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'referral_id' }) referralId!: string;
  @ManyToOne(() => ReferralEntity, (r) => r.offers) @JoinColumn({ name: 'referral_id' }) referral!: ReferralEntity;
  @Column('uuid', { name: 'target_institution_id' }) targetInstitutionId!: string;
  @Column('uuid', { name: 'target_bed_id', nullable: true }) targetBedId!: string | null;
  @Column('uuid', { name: 'target_programme_id', nullable: true }) targetProgrammeId!: string | null;
  @Column('text') state!: string;
  @Column('int') rank!: number;
  @Column({ ...tzNull, name: 'deadline_at' }) deadlineAt!: Date | null;
  @Column({ ...tz, name: 'created_at' }) createdAt!: Date;
  @Column({ ...tzNull, name: 'viewed_at' }) viewedAt!: Date | null;
  @Column('text', { name: 'viewed_by', nullable: true }) viewedBy!: string | null;
  @Column({ ...tzNull, name: 'answered_at' }) answeredAt!: Date | null;
  @Column('text', { name: 'answered_by', nullable: true }) answeredBy!: string | null;
  @Column('text', { name: 'decline_reason', nullable: true }) declineReason!: string | null;
  @Column('text', { name: 'declined_by', nullable: true }) declinedBy!: string | null;
  @Column('text', { name: 'decline_text', nullable: true }) declineText!: string | null;
  @Column({ ...tzNull, name: 'paused_at' }) pausedAt!: Date | null;
  @Column('bigint', { name: 'remaining_ms', nullable: true }) remainingMs!: string | null;
}

@Entity('reservations')
export class ReservationEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'referral_id' }) referralId!: string;
  @ManyToOne(() => ReferralEntity, (r) => r.reservations) @JoinColumn({ name: 'referral_id' }) referral!: ReferralEntity;
  @Column('uuid', { name: 'offer_id' }) offerId!: string;
  @Column('uuid', { name: 'institution_id' }) institutionId!: string;
  @Column('uuid', { name: 'bed_id', nullable: true }) bedId!: string | null;
  @Column('uuid', { name: 'programme_id', nullable: true }) programmeId!: string | null;
  @Column('text') state!: string;
  @Column({ ...tz, name: 'expires_at' }) expiresAt!: Date;
  @Column({ ...tz, name: 'created_at' }) createdAt!: Date;
  @Column({ ...tzNull, name: 'ended_at' }) endedAt!: Date | null;
}

/** Partitioned by month of occurred_at: the key includes it; (aggregate_id, aggregate_seq) is unique per partition (see the migration). */
@Entity('audit_log')
export class AuditRecordEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) seq!: string;
  @Column('text', { name: 'aggregate_type' }) aggregateType!: string;
  @Column('uuid', { name: 'aggregate_id' }) aggregateId!: string;
  @Column('int', { name: 'aggregate_seq' }) aggregateSeq!: number;
  @Column('uuid', { name: 'event_id' }) eventId!: string;
  @Column('text', { name: 'event_type' }) eventType!: string;
  @Column('jsonb') payload!: Record<string, unknown>;
  @Column('text', { name: 'actor_user' }) actorUser!: string;
  @Column('text', { name: 'actor_role' }) actorRole!: string;
  @Column('text', { name: 'actor_institution', nullable: true }) actorInstitution!: string | null;
  @Column('text', { nullable: true }) reason!: string | null;
  @Column('text', { name: 'correlation_id', nullable: true }) correlationId!: string | null;
  @Column('text', { name: 'causation_id', nullable: true }) causationId!: string | null;
  @PrimaryColumn({ ...tz, name: 'occurred_at' }) occurredAt!: Date;
  @Column('text', { name: 'prev_hash' }) prevHash!: string;
  @Column('text') hash!: string;
}

/** Partitioned by month of created_at: the key includes it; event_id is unique per partition. */
@Entity('outbox')
export class OutboxEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'event_id' }) eventId!: string;
  @Column('text', { name: 'event_type' }) eventType!: string;
  @Column('text', { name: 'aggregate_type' }) aggregateType!: string;
  @Column('uuid', { name: 'aggregate_id' }) aggregateId!: string;
  @Column('jsonb') payload!: Record<string, unknown>;
  @Column('jsonb') metadata!: Record<string, unknown>;
  @Column('smallint') priority!: number;
  @PrimaryColumn({ ...tz, name: 'created_at' }) createdAt!: Date;
  @Column({ ...tzNull, name: 'sent_at' }) sentAt!: Date | null;
}

@Entity('inbox')
export class InboxEntity {
  @PrimaryColumn('text') consumer!: string;
  @PrimaryColumn('uuid', { name: 'event_id' }) eventId!: string;
  @Column({ ...tz, name: 'handled_at' }) handledAt!: Date;
}

@Entity('command_log')
export class CommandLogEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'command_type' }) commandType!: string;
  @Column('text', { name: 'actor_user' }) actorUser!: string;
  @Column('text', { name: 'actor_institution', nullable: true }) actorInstitution!: string | null;
  @Column('boolean') ok!: boolean;
  @Column('jsonb') result!: Record<string, unknown>;
  @Column('text', { name: 'correlation_id', nullable: true }) correlationId!: string | null;
  @Column({ ...tz, name: 'created_at' }) createdAt!: Date;
}

@Entity('bed_board')
export class BedBoardEntity {
  @PrimaryColumn('uuid', { name: 'institution_id' }) institutionId!: string;
  @PrimaryColumn('text') kind!: string;
  @Column('text', { name: 'district_id' }) districtId!: string;
  @Column('int') total!: number;
  @Column('int') free!: number;
  @Column('int') reserved!: number;
  @Column('int') occupied!: number;
  @Column('int') cleaning!: number;
  @Column('int') closed!: number;
  @Column('int') isolated!: number;
  @Column('int') contaminated!: number;
}

export const ENTITIES = [
  InstitutionEntity,
  PatientEntity,
  BedEntity,
  ReferralEntity,
  OfferEntity,
  ReservationEntity,
  AuditRecordEntity,
  OutboxEntity,
  InboxEntity,
  CommandLogEntity,
  BedBoardEntity,
];
