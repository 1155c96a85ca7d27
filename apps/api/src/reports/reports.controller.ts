import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { Actor } from '@bedlink/domain';
import { KpiReportQuery } from '@bedlink/contracts';
import { AroundReads, kpisToCsv } from '@bedlink/persistence';
import { ApiErrors, READ_ERRORS } from '../http/api-docs';
import { CurrentActor } from '../http/auth';

/** The district coordinator's report: per institution, over local days, as JSON or CSV. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(private readonly reads: AroundReads) {}

  @Get('kpis')
  @ApiOperation({
    summary: 'KPIs per institution: time to first response, acceptance, admission; declines by reason and by whom; SLA breaches; waiting lists',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ description: 'one row per institution of the caller’s district' })
  @ApiErrors(...READ_ERRORS)
  async kpis(@Query() q: KpiReportQuery, @CurrentActor() a: Actor, @Res({ passthrough: true }) res: Response) {
    const report = await this.reads.kpiReport(a, q);
    if (q.format !== 'csv') return report;
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="kpis-${report.districtId}-${q.from}-${q.to}.csv"`);
    return kpisToCsv(report.institutions);
  }
}
