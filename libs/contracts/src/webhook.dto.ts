import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import { EVENT_TYPES, EventType } from '@bedlink/domain';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://his.example-hospital.cn/bedlink/events', description: 'http(s) endpoint that receives signed POSTs' })
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, { message: 'url must be an http(s) URL' })
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true, description: 'event types to receive; empty or absent = every type that concerns the institution' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(EVENT_TYPES.length)
  @IsIn(EVENT_TYPES, { each: true })
  eventTypes?: EventType[];

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) description?: string;
}
