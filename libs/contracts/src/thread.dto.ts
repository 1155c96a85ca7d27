import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';

export class PostMessageDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The origin names the target whose thread it writes in; a target always writes in its own' })
  @IsOptional()
  @IsUUID()
  targetInstitutionId?: string;

  @ApiProperty({ minLength: 1, maxLength: 4000 }) @IsString() @MinLength(1) @MaxLength(4000) text!: string;
}

export class NeedMoreInfoDto {
  @ApiProperty({ minLength: 1, maxLength: 4000, description: 'What the receiver needs to decide' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  text!: string;
}

export class MarkMessagesReadDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The origin names the thread; a target reads its own' })
  @IsOptional()
  @IsUUID()
  targetInstitutionId?: string;

  @ApiProperty({ format: 'uuid', description: 'Everything sent to the reader up to this message is read' }) @IsUUID() upToMessageId!: string;
}

export class DocumentView {
  @ApiProperty({ format: 'uuid' }) documentId!: string;
  @ApiProperty() filename!: string;
  @ApiProperty({ description: 'Sniffed from the bytes' }) mediaType!: string;
  @ApiProperty() size!: number;
  @ApiProperty() sha256!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() uploadedBy!: string;
  @ApiProperty({ format: 'date-time' }) uploadedAt!: string;
}

export class MessageView {
  @ApiProperty({ format: 'uuid' }) messageId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty({ format: 'uuid' }) targetInstitutionId!: string;
  @ApiProperty({ format: 'uuid' }) fromInstitutionId!: string;
  @ApiProperty({ format: 'uuid' }) toInstitutionId!: string;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) offerId!: string | null;
  @ApiProperty({ enum: ['MESSAGE', 'NEED_MORE_INFO'] }) kind!: string;
  @ApiProperty() text!: string;
  @ApiProperty() sentBy!: string;
  @ApiProperty({ format: 'date-time' }) sentAt!: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) readAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) readBy!: string | null;
}
