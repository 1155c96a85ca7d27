import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { CommandLogReads } from '@bedlink/persistence';

/**
 * Whether this process last found Postgres unreachable. A command no longer reads Postgres in the
 * API (it is queued first, see CommandGateway), so during an outage it would be queued and answered
 * 202 after the wait; the API's contract is 503 DATABASE_UNAVAILABLE while the database is gone.
 * Any request that met the outage marks it (ErrorFilter); from then on a probe (one indexed read
 * every 500 ms, only while down) clears it. Healthy, it costs nothing per request.
 */
@Injectable()
export class DatabaseState implements OnApplicationShutdown {
  private probe?: NodeJS.Timeout;

  constructor(private readonly reads: CommandLogReads) {}

  get down(): boolean {
    return this.probe !== undefined;
  }

  markDown(): void {
    if (this.probe) return;
    this.probe = setInterval(() => void this.check(), 500);
    this.probe.unref();
  }

  private async check(): Promise<void> {
    try {
      await this.reads.outcome('database-probe');
      clearInterval(this.probe);
      this.probe = undefined;
    } catch {
      /* still down: the next tick tries again */
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.probe);
  }
}
