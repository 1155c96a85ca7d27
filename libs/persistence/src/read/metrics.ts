import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { KpiSnapshot, readKpis } from '../kpi.projector';
import { OutboxStore } from '../outbox-store';
import { institutionKpis, InstitutionKpis } from './around';

/** What /metrics reads from Postgres at scrape time: referral KPIs and the outbox backlog. */
@Injectable()
export class MetricsReads {
  private readonly outbox: OutboxStore;

  constructor(private readonly ds: DataSource) {
    this.outbox = new OutboxStore(ds);
  }

  kpis(): Promise<KpiSnapshot> {
    return readKpis(this.ds);
  }

  /** Every institution's figures since the beginning (Prometheus takes rates and differences itself). */
  institutionKpis(): Promise<InstitutionKpis[]> {
    return institutionKpis(this.ds, {});
  }

  outboxBacklog(): ReturnType<OutboxStore['backlog']> {
    return this.outbox.backlog();
  }
}
