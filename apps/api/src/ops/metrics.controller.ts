import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Response } from 'express';
import { Public } from '../http/auth';
import { MetricsService } from './metrics.service';

/**
 * Prometheus scrape target. Public like /health: it carries counts and latencies, never patient
 * data; keep it on the internal network (the reverse proxy should not route /metrics).
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.render();
    res.status(200).setHeader('content-type', this.metrics.contentType);
    res.end(text); // send() would add its own charset to Prometheus' content type
  }
}
