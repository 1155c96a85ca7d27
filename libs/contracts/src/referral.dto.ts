import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  BED_KINDS,
  BedKind,
  DECLINE_REASONS,
  DECLINED_BY,
  DeclinedBy,
  DeclineReason,
  OfferStrategy,
  SERVICES,
  ServiceCode,
  STRATEGIES,
  Urgency,
  URGENCIES,
} from '@bedlink/domain';
import { RecordPreferencesDto } from './around.dto';

export class DraftReferralDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Client-chosen id (makes retries safe without an Idempotency-Key)' })
  @IsOptional()
  @IsUUID()
  referralId?: string;

  @ApiProperty({ format: 'uuid' }) @IsUUID() patientId!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The bed the patient occupies now; it goes to housekeeping (H) on discharge' })
  @IsOptional()
  @IsUUID()
  originBedId?: string;

  @ApiPropertyOptional({ enum: BED_KINDS, description: 'Where the patient is now when no bed is named (defaults from the institution type)' })
  @IsOptional()
  @IsIn(BED_KINDS)
  originKind?: BedKind;

  @ApiProperty({ enum: BED_KINDS }) @IsIn(BED_KINDS) requestedKind!: BedKind;

  @ApiProperty({ enum: SERVICES, isArray: true }) @IsArray() @ArrayMaxSize(10) @ArrayUnique() @IsIn(SERVICES, { each: true }) services!: ServiceCode[];

  @ApiProperty({ enum: URGENCIES }) @IsIn(URGENCIES) urgency!: Urgency;

  @ApiPropertyOptional({ enum: STRATEGIES }) @IsOptional() @IsIn(STRATEGIES) strategy?: OfferStrategy;

  @ApiPropertyOptional({ minimum: 1, maximum: 10 }) @IsOptional() @IsInt() @Min(1) @Max(10) fanout?: number;

  @ApiProperty({ maxLength: 4000 }) @IsString() @MinLength(1) @MaxLength(4000) clinicalSummary!: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 6, description: 'Unified elderly-care needs assessment grade' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(6)
  careLevel?: number;

  @ApiProperty({ description: 'The patient (or guardian) consents to the referral' }) @IsBoolean() consent!: boolean;

  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601({ strict: true }) expectedArrival?: string;

  @ApiPropertyOptional({ enum: ['AUTO', 'MANUAL'], default: 'MANUAL', description: 'AUTO: on submit, matching picks the targets and offers go out at once' })
  @IsOptional()
  @IsIn(['AUTO', 'MANUAL'])
  dispatch?: 'AUTO' | 'MANUAL';

  @ApiPropertyOptional({ type: RecordPreferencesDto, description: "The patient's and family's choice, if already known" })
  @IsOptional()
  @ValidateNested()
  @Type(() => RecordPreferencesDto)
  preferences?: RecordPreferencesDto;
}

export class SurgeDto {
  @ApiProperty({ type: [DraftReferralDto], description: 'Up to 500 referrals allocated together across the district' })
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => DraftReferralDto)
  referrals!: DraftReferralDto[];
  @ApiPropertyOptional({ description: 'answer the allocation (and first-come greedy’s) the batch would get now, and create nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class ExtendOfferDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() targetInstitutionId!: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() targetBedId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'A home programme (HOME_SICKBED / HOME_CARE) of the target' })
  @IsOptional()
  @IsUUID()
  targetProgrammeId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() offerId?: string;
}

export class AcceptOfferDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The bed the patient will have (defaults to the bed suggested in the offer)' })
  @IsOptional()
  @IsUUID()
  bedId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'A home programme slot instead of a bed (HOME_SICKBED / HOME_CARE)' })
  @IsOptional()
  @IsUUID()
  programmeId?: string;
}

export class DeclineOfferDto {
  @ApiProperty({ enum: DECLINE_REASONS }) @IsIn(DECLINE_REASONS) reason!: DeclineReason;
  @ApiPropertyOptional({ enum: DECLINED_BY, default: 'PROVIDER' }) @IsOptional() @IsIn(DECLINED_BY) declinedBy?: DeclinedBy;
  @ApiPropertyOptional({ maxLength: 1000, description: 'Required when reason is OTHER' }) @IsOptional() @IsString() @MaxLength(1000) text?: string;
}

export class ReasonDto {
  @ApiProperty({ maxLength: 1000 }) @IsString() @MinLength(1) @MaxLength(1000) reason!: string;
}

export class RerouteTargetDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() institutionId!: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() bedId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() programmeId?: string;
}

export class SubmitReferralDto {
  @ApiPropertyOptional({
    type: [RerouteTargetDto],
    description: 'Ranked targets; the engine offers by the referral strategy (BROADCAST: top N at once, CASCADE: one at a time), escalating when none is left',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RerouteTargetDto)
  targets?: RerouteTargetDto[];
}

export class RerouteDto extends ReasonDto {
  @ApiProperty({ type: [RerouteTargetDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RerouteTargetDto)
  targets!: RerouteTargetDto[];
  @ApiPropertyOptional({ enum: STRATEGIES }) @IsOptional() @IsIn(STRATEGIES) strategy?: OfferStrategy;
}

export class ListReferralsQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 20) state?: string;
  @ApiPropertyOptional({ enum: ['origin', 'target', 'all'] }) @IsOptional() @IsIn(['origin', 'target', 'all']) side?: 'origin' | 'target' | 'all';
  @ApiPropertyOptional({ minimum: 1, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}
