import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor, DomainError } from '@bedlink/domain';
import { DashboardReads } from '@bedlink/persistence';
import { ApiErrors, READ_ERRORS } from '../http/api-docs';
import { CurrentActor } from '../http/auth';

/** The district dashboard's figures (the console draws exactly these). */
@ApiTags('dashboard')
@ApiBearerAuth()
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly reads: DashboardReads) {}

  @Get('districts/:districtId')
  @ApiOperation({
    summary:
      'District dashboard: occupancy by bed category and institution now and hourly over the window, referral funnel and median times, decline reasons, offers near their deadline, missed deadlines, institutions with coordinates and free beds',
  })
  @ApiQuery({ name: 'days', required: false, description: 'window in days (1-30, default 30)' })
  @ApiQuery({ name: 'nearMinutes', required: false, description: 'an offer is "near its deadline" within this many minutes (default 60)' })
  @ApiOkResponse({ description: 'the dashboard' })
  @ApiErrors(...READ_ERRORS)
  district(@Param('districtId') districtId: string, @CurrentActor() a: Actor, @Query('days') days?: string, @Query('nearMinutes') near?: string) {
    const int = (v: string | undefined, def: number, max: number, field: string) => {
      if (v === undefined) return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > max)
        throw new DomainError('VALIDATION_FAILED', `${field} is a whole number from 1 to ${max}`, { fields: [field] });
      return n;
    };
    if (!/^[A-Za-z0-9_-]{1,40}$/.test(districtId))
      throw new DomainError('VALIDATION_FAILED', 'districtId is 1-40 letters, digits, _ or -', { fields: ['districtId'] });
    return this.reads.district(a, districtId, { windowDays: int(days, 30, 30, 'days'), nearMinutes: int(near, 60, 24 * 60, 'nearMinutes') });
  }
}
