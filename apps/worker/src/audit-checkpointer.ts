import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { auditKeys, ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { verifyAndCheckpoint } from '@bedlink/persistence';

/**
 * Every AUDIT_CHECKPOINT_INTERVAL_MS: verifies the trail since the last signed checkpoint and, only
 * if it holds, signs a new one. Several workers may run it: writers are serialised in the
 * database and each checkpoint links to the one before, so the worst case is an extra checkpoint.
 * A break is logged as an error and no checkpoint is written over it; an idle trail adds none.
 */
@Injectable()
export class AuditCheckpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('AuditCheckpoint');
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly ds: DataSource,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.cfg.AUDIT_CHECKPOINT_INTERVAL_MS) return;
    const keys = auditKeys(this.cfg);
    if (!keys.signingKey) {
      this.log.warn('AUDIT_SIGNING_KEY is empty: this worker writes no audit checkpoints');
      return;
    }
    const tick = async () => {
      if (this.running) return;
      this.running = true;
      try {
        const { report, written } = await verifyAndCheckpoint(this.ds, keys, { onlyIfChanged: true });
        if (!report.ok) this.log.error(`audit trail BROKEN, no checkpoint written: ${JSON.stringify(report.firstBreak)}`);
        else if (written) this.log.log(`audit checkpoint ${written.id}: ${written.chains} chains, digest ${written.digest}`);
      } catch (e) {
        this.log.warn(`audit checkpoint failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        this.running = false;
      }
    };
    // tick catches its own errors: nothing to await here.
    this.timer = setInterval(() => void tick(), this.cfg.AUDIT_CHECKPOINT_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
