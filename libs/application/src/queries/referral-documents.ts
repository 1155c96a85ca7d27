import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Actor, isAllowed, notFound, ReferralDocument } from '@bedlink/domain';
import { referralAccess } from '../command';
import { Clock, CLOCK, DOCUMENT_STORE, DocumentStore, UNIT_OF_WORK, UnitOfWork } from '../ports';

/**
 * Downloads of a referral's documents: an audited read. The referral row is locked, the access
 * rule is the domain's live involvement (origin, targets with a live or accepted offer, holder),
 * and a DocumentDownloaded record is appended to the referral's own hash chain in the same
 * transaction that fetches the bytes: no download without its trace, no trace without a download
 * (a missing or undecryptable blob rolls the record back). Tamper evidence is the chain's: each
 * record holds the SHA-256 of its canonical form and its predecessor's, the referral row keeps
 * the head, `audit_log` refuses UPDATE/DELETE/TRUNCATE and the runtime role may only INSERT into
 * it. A refused download looks exactly like an unknown document (404).
 */
@Injectable()
export class ReferralDocuments {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(DOCUMENT_STORE) private readonly store: DocumentStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  download(actor: Actor, referralId: string, documentId: string, correlationId?: string): Promise<{ document: ReferralDocument; bytes: Buffer }> {
    const ctx = {
      commandId: `r${randomUUID().replace(/-/g, '')}`,
      commandType: 'ReadDocument',
      actor,
      correlationId: correlationId ?? randomUUID(),
      causationId: null,
      now: this.clock.now(),
      logResult: false,
    };
    const unknown = () => notFound('DOCUMENT_NOT_FOUND', 'document', documentId);
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(referralId).catch(() => {
        throw unknown();
      });
      if (!isAllowed(actor, 'ReadDocument', referralAccess(r))) throw unknown();
      const document = r.recordDownload(documentId, actor, ctx.now);
      const bytes = await this.store.get(document.blobKey);
      return { document, bytes };
    });
  }
}
