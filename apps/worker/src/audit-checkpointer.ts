import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { auditKeys, ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { verifyAndCheckpoint } from '@bedlink/persistence';
import { LeaderElection } from './leader';

/**
 * Every AUDIT_CHECKPOINT_INTERVAL_MS: verifies the trail since the last signed checkpoint and, only
 * if it holds, signs a new one. A leader duty (one worker verifies, not all of them); were two to
 * overlap during a hand-over, writers are serialised in the database and each checkpoint links to
 * the one before, so the worst case is an extra checkpoint.
 * A break is logged as an error and no checkpoint is written over it; an idle trail adds none.
 */
@Injectable()
export class AuditCheckpointer implements OnModuleInit {
  private readonly log = new Logger('AuditCheckpoint');

  constructor(
    private readonly ds: DataSource,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    private readonly leader: LeaderElection,
  ) {}

  onModuleInit(): void {
    if (!this.cfg.AUDIT_CHECKPOINT_INTERVAL_MS) return;
    const keys = auditKeys(this.cfg);
    if (!keys.signingKey) {
      this.log.warn('AUDIT_SIGNING_KEY is empty: this worker writes no audit checkpoints');
      return;
    }
    this.leader.register({
      name: 'audit-checkpoint',
      everyMs: this.cfg.AUDIT_CHECKPOINT_INTERVAL_MS,
      startNow: false,
      run: async () => {
        const { report, written } = await verifyAndCheckpoint(this.ds, keys, { onlyIfChanged: true });
        if (!report.ok) this.log.error(`audit trail BROKEN, no checkpoint written: ${JSON.stringify(report.firstBreak)}`);
        else if (written) this.log.log(`audit checkpoint ${written.id}: ${written.chains} chains, digest ${written.digest}`);
      },
    });
  }
}
