import { Injectable, Logger } from '@nestjs/common';
import { auditKeys } from '@bedlink/config';
import { verifyAndCheckpoint } from '@bedlink/persistence';
import { LeaderDuty } from './leader-duty';

/**
 * Every AUDIT_CHECKPOINT_INTERVAL_MS: verifies the trail since the last signed checkpoint and, only
 * if it holds, signs a new one. A leader duty (one worker verifies, not all of them); were two to
 * overlap during a hand-over, writers are serialised in the database and each checkpoint links to
 * the one before, so the worst case is an extra checkpoint.
 * A break is logged as an error and no checkpoint is written over it; an idle trail adds none.
 */
@Injectable()
export class AuditCheckpointer extends LeaderDuty {
  private readonly log = new Logger('AuditCheckpoint');
  private keys?: ReturnType<typeof auditKeys>;

  protected schedule() {
    return { name: 'audit-checkpoint', everyMs: this.cfg.AUDIT_CHECKPOINT_INTERVAL_MS };
  }

  protected override canRun(): boolean {
    this.keys = auditKeys(this.cfg);
    if (this.keys.signingKey) return true;
    this.log.warn('AUDIT_SIGNING_KEY is empty: this worker writes no audit checkpoints');
    return false;
  }

  protected async runOnce(): Promise<void> {
    const { report, written } = await verifyAndCheckpoint(this.ds, this.keys!, { onlyIfChanged: true });
    if (!report.ok) this.log.error(`audit trail BROKEN, no checkpoint written: ${JSON.stringify(report.firstBreak)}`);
    else if (written) this.log.log(`audit checkpoint ${written.id}: ${written.chains} chains, digest ${written.digest}`);
  }
}
