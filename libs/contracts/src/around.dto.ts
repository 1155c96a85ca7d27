import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsLatitude,
  IsLongitude,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import {
  ESCORT_NEEDS,
  EscortNeed,
  MAX_EXCLUDED_PREFERENCES,
  MAX_RANKED_PREFERENCES,
  NEAR_KINDS,
  NearKind,
  PREFERENCE_SOURCES,
  PreferenceSource,
  TRANSPORT_MODES,
  TransportMode,
} from '@bedlink/domain';

export class NearDto {
  @ApiProperty({ enum: NEAR_KINDS }) @IsIn(NEAR_KINDS) of!: NearKind;
  @ApiProperty({ description: 'Rounded to two decimals (about 1 km) before it is stored' }) @IsLatitude() lat!: number;
  @ApiProperty() @IsLongitude() lng!: number;
}

export class RecordPreferencesDto {
  @ApiProperty({ type: [String], format: 'uuid', description: 'Institutions in order of preference (first choice first)' })
  @IsArray()
  @ArrayMaxSize(MAX_RANKED_PREFERENCES)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  ranked!: string[];

  @ApiProperty({ type: [String], format: 'uuid', description: 'Institutions the patient or family refuse: never offered' })
  @IsArray()
  @ArrayMaxSize(MAX_EXCLUDED_PREFERENCES)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  excluded!: string[];

  @ApiPropertyOptional({ type: NearDto, description: 'Close to home or family: distance is scored from here' })
  @IsOptional()
  @ValidateNested()
  @Type(() => NearDto)
  near?: NearDto;

  @ApiProperty({ enum: PREFERENCE_SOURCES }) @IsIn(PREFERENCE_SOURCES) expressedBy!: PreferenceSource;

  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) note?: string;
}

export class FamilyRefusalDto {
  @ApiPropertyOptional({ maxLength: 1000, description: 'What the family said' }) @IsOptional() @IsString() @MaxLength(1000) text?: string;
}

export class ArrangeTransportDto {
  @ApiProperty({ enum: TRANSPORT_MODES }) @IsIn(TRANSPORT_MODES) mode!: TransportMode;
  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true })
  @Matches(/(Z|[+-]\d{2}:\d{2})$/, { message: 'pickupAt needs a time zone' })
  pickupAt!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'What the receiving institution is told (defaults to the pickup time)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(/(Z|[+-]\d{2}:\d{2})$/, { message: 'expectedArrivalAt needs a time zone' })
  expectedArrivalAt?: string;
  @ApiPropertyOptional({ enum: ESCORT_NEEDS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(ESCORT_NEEDS.length)
  @ArrayUnique()
  @IsIn(ESCORT_NEEDS, { each: true })
  escort?: EscortNeed[];
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500) note?: string;
}

export class WaitlistDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Client-chosen entry id (retries)' }) @IsOptional() @IsUUID() entryId?: string;
}

export class KpiReportQuery {
  @ApiProperty({ format: 'date', description: 'First day (inclusive), YYYY-MM-DD, district local time' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  from!: string;
  @ApiProperty({ format: 'date', description: 'Last day (inclusive), YYYY-MM-DD, district local time' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  to!: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() institutionId?: string;
  @ApiPropertyOptional({ enum: ['json', 'csv'] }) @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}
