import { KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor, authorizeRead, DISTRICT_ROLES, DomainError } from '@bedlink/domain';
import { auditKeys, ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { AuditReport, verifyAudit } from '../audit-verifier';

/** Verification of the audit trail for auditors: signed checkpoints, then the records after the last one. */
@Injectable()
export class AuditReads {
  private readonly verifyKey: KeyObject;

  constructor(
    private readonly ds: DataSource,
    @Inject(ENV_CONFIG) cfg: EnvConfig,
  ) {
    this.verifyKey = auditKeys(cfg).verifyKey;
  }

  async verify(actor: Actor): Promise<AuditReport> {
    authorizeRead(actor, 'VerifyAudit', {});
    if (!DISTRICT_ROLES.includes(actor.role)) throw new DomainError('FORBIDDEN', 'only auditors verify the trail');
    // A district's auditor verifies (and counts) its district's chains only.
    return verifyAudit(this.ds, { verifyKey: this.verifyKey, ...(actor.districtId ? { districtId: actor.districtId } : {}) });
  }
}
