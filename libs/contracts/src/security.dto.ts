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

  @ApiPropertyOptional({
    description: 'why the record is opened, as X-Access-Reason (a browser cannot put Chinese text in a header); the header wins when both are sent',
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class PatientSearchQuery {
  @ApiProperty({ description: 'part of the name (at least two characters), among the caller’s institution’s own patients' })
  @IsString()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ description: 'why the records are opened (each match is an audited read), as X-Access-Reason', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class PatientReadQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'the referral that justifies opening the record' }) @IsOptional() @IsUUID() referralId?: string;

  @ApiPropertyOptional({
    description: 'why the record is opened, as X-Access-Reason (a browser cannot put Chinese text in a header); the header wins when both are sent',
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class LoginDto {
  @ApiProperty({ description: 'the account’s username (case and surrounding spaces do not matter)' }) @IsString() @MaxLength(200) username!: string;
  @ApiProperty() @IsString() @MaxLength(1024) password!: string;
  @ApiPropertyOptional({ description: 'the 6-digit code of the authenticator, when the account has TOTP on' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/)
  totp?: string;
}

export class CreateUserAccountDto {
  @ApiProperty({ description: '3-64 characters: letters, digits and . _ @ -; stored in lower case' }) @IsString() @MaxLength(200) username!: string;
  @ApiProperty({ description: 'the name shown in the console and the audit trail' }) @IsString() @MinLength(1) @MaxLength(120) displayName!: string;
  @ApiProperty({ enum: KEY_ROLES }) @IsIn(KEY_ROLES) role!: Role;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() institutionId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{1,40}$/) districtId?: string;
  @ApiProperty({ description: 'the first password (10-128 characters); only its Argon2id hash is kept' }) @IsString() @MaxLength(1024) password!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'the new password (10-128 characters)' }) @IsString() @MaxLength(1024) password!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class AccountReasonDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @MaxLength(1024) currentPassword!: string;
  @ApiProperty({ description: '10-128 characters, not the username' }) @IsString() @MaxLength(1024) newPassword!: string;
}

export class EnableTotpDto {
  @ApiProperty({ description: 'the `pending` value /auth/totp/setup answered' }) @IsString() @MaxLength(1000) pending!: string;
  @ApiProperty({ description: 'a current code from the authenticator, proving it was set up' }) @IsString() @Matches(/^\d{6}$/) code!: string;
}
