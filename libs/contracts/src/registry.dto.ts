import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDateString,
  IsDefined,
  IsIn,
  IsInt,
  IsLatitude,
  IsLongitude,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  OWNERSHIPS,
  Ownership,
  STAY_END_REASONS,
  StayEndReason,
  ASSESSMENT_TYPES,
  AssessmentType,
  BED_COMMANDS,
  BED_KINDS,
  BedCommand,
  BedKind,
  Direction,
  DIRECTIONS,
  HOME_BED_KINDS,
  INSTITUTION_TYPES,
  InstitutionType,
  SERVICES,
  ServiceCode,
  Sex,
  SEXES,
} from '@bedlink/domain';

export class RegisterInstitutionDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() id?: string;
  @ApiProperty() @IsString() @Matches(/^[A-Za-z0-9_-]{2,40}$/) code!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty({ enum: INSTITUTION_TYPES }) @IsIn(INSTITUTION_TYPES) type!: InstitutionType;
  @ApiProperty() @IsString() @Matches(/^[A-Za-z0-9_-]{1,40}$/) districtId!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(300) address?: string;
  @ApiPropertyOptional() @IsOptional() @IsLatitude() lat?: number;
  @ApiPropertyOptional() @IsOptional() @IsLongitude() lng?: number;
  @ApiPropertyOptional({ enum: SERVICES, isArray: true }) @IsOptional() @IsArray() @ArrayUnique() @IsIn(SERVICES, { each: true }) services?: ServiceCode[];
}

export class UpdateInstitutionDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(300) address?: string;
  @ApiPropertyOptional() @IsOptional() @IsLatitude() lat?: number;
  @ApiPropertyOptional() @IsOptional() @IsLongitude() lng?: number;
  @ApiPropertyOptional({ enum: SERVICES, isArray: true }) @IsOptional() @IsArray() @ArrayUnique() @IsIn(SERVICES, { each: true }) services?: ServiceCode[];
  @ApiPropertyOptional({ enum: OWNERSHIPS, description: '公立 / 民营' }) @IsOptional() @IsIn(OWNERSHIPS) ownership?: Ownership;
  @ApiPropertyOptional({ description: 'Why (kept on the audit record)' }) @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class RegisterBedDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() id?: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() institutionId!: string;
  @ApiProperty({ enum: BED_KINDS }) @IsIn(BED_KINDS) kind!: BedKind;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(80) ward!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(40) label!: string;
  @ApiPropertyOptional({ enum: SERVICES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsIn(SERVICES, { each: true })
  services?: ServiceCode[];
  @ApiPropertyOptional({ enum: SEXES }) @IsOptional() @IsIn(SEXES) sexRestriction?: Sex;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(6) minCareLevel?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(6) maxCareLevel?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() isolationCapable?: boolean;
  @ApiPropertyOptional({ description: '保基本养老床位 (basic-guarantee care-home bed)' }) @IsOptional() @IsBoolean() basicGuarantee?: boolean;
}

export class ChangeBedStatusDto {
  @ApiProperty({ enum: BED_COMMANDS }) @IsIn(BED_COMMANDS) command!: BedCommand;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class EndStayDto {
  @ApiProperty({ enum: STAY_END_REASONS }) @IsIn(STAY_END_REASONS) reason!: StayEndReason;
  @ApiPropertyOptional({ format: 'uuid', description: 'The bed whose stay ends (default: the bed the patient occupies)' })
  @IsOptional()
  @IsUUID()
  bedId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The home programme whose enrolment ends' }) @IsOptional() @IsUUID() programmeId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) note?: string;
}

export class CareAssessmentDto {
  @ApiProperty({ minimum: 0, maximum: 6 }) @IsInt() @Min(0) @Max(6) grade!: number;
  @ApiProperty({ enum: ASSESSMENT_TYPES }) @IsIn(ASSESSMENT_TYPES) type!: AssessmentType;
  @ApiProperty({ format: 'date' }) @IsDateString({ strict: true }) @Length(10, 10) assessedOn!: string;
  @ApiProperty({ format: 'date' }) @IsDateString({ strict: true }) @Length(10, 10) expiresOn!: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() cognitiveImpairment?: boolean;
}

export class HomeAddressDto {
  @ApiPropertyOptional({ description: 'Street/area code (matched against home programmes’ areaCodes)' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,40}$/)
  areaCode?: string;
  @ApiPropertyOptional() @IsOptional() @IsLatitude() lat?: number;
  @ApiPropertyOptional() @IsOptional() @IsLongitude() lng?: number;
}

export class RegisterPatientDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() id?: string;
  @ApiProperty({ description: 'GB 11643 resident identity number (18 characters)' }) @IsString() @Length(18, 18) residentId!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(100) name!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^\+?[0-9 -]{5,20}$/) phone?: string;
  @ApiPropertyOptional({ enum: SEXES }) @IsOptional() @IsIn(SEXES) sex?: Sex;
  @ApiPropertyOptional({ type: CareAssessmentDto }) @IsOptional() @ValidateNested() @Type(() => CareAssessmentDto) assessment?: CareAssessmentDto;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() hardship?: boolean;
  @ApiPropertyOptional({ format: 'uuid', description: 'Community health centre holding the family-doctor contract' })
  @IsOptional()
  @IsUUID()
  familyDoctorInstitutionId?: string;
  @ApiPropertyOptional({ type: HomeAddressDto, description: 'Where the patient lives (encrypted at rest): home programmes are matched from it' })
  @IsOptional()
  @ValidateNested()
  @Type(() => HomeAddressDto)
  home?: HomeAddressDto;
}

export class RegisterProgrammeDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() id?: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() institutionId!: string;
  @ApiProperty({ enum: HOME_BED_KINDS }) @IsIn(HOME_BED_KINDS as BedKind[]) kind!: BedKind;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(120) name!: string;
  @ApiProperty({ minimum: 0, maximum: 10000 }) @IsInt() @Min(0) @Max(10000) capacity!: number;
  @ApiPropertyOptional({ description: 'Street/area codes served', isArray: true, type: String })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  areaCodes?: string[];
  @ApiPropertyOptional({ description: 'Radius served around the institution, km' }) @IsOptional() @IsNumber() @Min(0) @Max(200) radiusKm?: number;
  @ApiPropertyOptional({ enum: SERVICES, isArray: true }) @IsOptional() @IsArray() @ArrayUnique() @IsIn(SERVICES, { each: true }) services?: ServiceCode[];
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(6) minCareLevel?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(6) maxCareLevel?: number;
}

export class ChangeProgrammeCapacityDto {
  @ApiProperty({ minimum: 0, maximum: 10000 }) @IsInt() @Min(0) @Max(10000) capacity!: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class RegisterAgreementDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() id?: string;
  @ApiProperty({ format: 'uuid', description: 'The referring institution' }) @IsUUID() fromInstitutionId!: string;
  @ApiProperty({ format: 'uuid', description: 'The receiving institution' }) @IsUUID() toInstitutionId!: string;
  @ApiPropertyOptional({ enum: BED_KINDS, isArray: true, description: 'Target kinds covered (empty: all)' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(BED_KINDS, { each: true })
  kinds?: BedKind[];
  @ApiPropertyOptional({ enum: DIRECTIONS, isArray: true, description: 'Directions covered (empty: all)' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(DIRECTIONS, { each: true })
  directions?: Direction[];
  @ApiPropertyOptional({ enum: SERVICES, isArray: true, description: 'Services covered (empty: any)' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(SERVICES, { each: true })
  services?: ServiceCode[];
  @ApiPropertyOptional({ format: 'date', description: 'First day in force' }) @IsOptional() @IsDateString({ strict: true }) @Length(10, 10) validFrom?: string;
  @ApiPropertyOptional({ format: 'date', description: 'Last day in force' }) @IsOptional() @IsDateString({ strict: true }) @Length(10, 10) validUntil?: string;
}

export class UpdateAssessmentDto {
  @ApiProperty({ type: CareAssessmentDto }) @IsDefined() @IsObject() @ValidateNested() @Type(() => CareAssessmentDto) assessment!: CareAssessmentDto;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() hardship?: boolean;
}

export class BedQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() institutionId?: string;
  @ApiPropertyOptional({ enum: BED_KINDS }) @IsOptional() @IsIn(BED_KINDS) kind?: BedKind;
  @ApiPropertyOptional() @IsOptional() @IsIn(['U', 'O', 'H', 'C', 'I', 'K']) status?: string;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

/** One bed of an import: the fields of a bed registration, without the institution (the import names it once). */
export class ImportBedRowDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(80) ward!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(40) label!: string;
  @ApiProperty({ enum: BED_KINDS }) @IsIn(BED_KINDS) kind!: BedKind;
  @ApiPropertyOptional({ enum: SERVICES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsIn(SERVICES, { each: true })
  services?: ServiceCode[];
  @ApiPropertyOptional({ enum: SEXES }) @IsOptional() @IsIn(SEXES) sexRestriction?: Sex;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(6) minCareLevel?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(6) maxCareLevel?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() isolationCapable?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() basicGuarantee?: boolean;
}

/** A home programme's new declared capacity. */
export class ImportCapacityDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() programmeId!: string;
  @ApiProperty({ minimum: 0, maximum: 100000 }) @IsInt() @Min(0) @Max(100_000) capacity!: number;
}

/**
 * A bed and capacity import (JSON; the CSV and FHIR Bundle forms become this): all or nothing,
 * or with dryRun, what would change.
 */
export class ImportBedsDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() institutionId!: string;
  @ApiProperty({ type: [ImportBedRowDto] })
  @IsArray()
  @ArrayMaxSize(5000)
  @ValidateNested({ each: true })
  @Type(() => ImportBedRowDto)
  beds!: ImportBedRowDto[];
  @ApiPropertyOptional({ type: [ImportCapacityDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => ImportCapacityDto)
  capacities?: ImportCapacityDto[];
  @ApiPropertyOptional({ description: 'report what would change and change nothing' }) @IsOptional() @IsBoolean() dryRun?: boolean;
}

/** An institution marks its bed as reserve (surge) capacity, or takes it back into normal use. */
export class MarkReserveBedDto {
  @ApiProperty({ description: 'true: reserve capacity, out of matching until the district opens it; false: normal use' }) @IsBoolean() reserve!: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

/** The district coordinator opens (or closes) reserve beds of its district, all or none. */
export class ReserveBedsDto {
  @ApiProperty({ type: [String], format: 'uuid' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  bedIds!: string[];
  @ApiProperty({ description: 'why (recorded in the audit trail): the surge, the order that opened it' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}
