import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Min, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { Role, ROLES } from '@bedlink/domain';

const KEY_ROLES = ROLES.filter((r) => r !== 'SYSTEM');

export class IssueApiKeyDto {
  @ApiProperty({ description: 'who the key is for, e.g. "HIS of 静安区中心医院"' }) @IsString() @MinLength(1) @MaxLength(120) label!: string;
  @ApiProperty({ enum: KEY_ROLES }) @IsIn(KEY_ROLES) role!: Role;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() institutionId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,40}$/) districtId?: string;
  @ApiPropertyOptional({ description: 'days until the key expires (default API_KEY_DEFAULT_DAYS, at most API_KEY_MAX_DAYS)', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  expiresInDays?: number;
}

export class PatientLookupQuery {
  @ApiProperty({ description: 'GB 11643 resident ID number; looked up by its keyed hash, never stored in clear' })
  @IsString()
  @MaxLength(40)
  residentId!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'the referral that justifies opening the record' }) @IsOptional() @IsUUID() referralId?: string;
}

export class PatientReadQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'the referral that justifies opening the record' }) @IsOptional() @IsUUID() referralId?: string;
}
