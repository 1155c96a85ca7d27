import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { AttachDocumentCommand } from './attach-document.command';

@CommandHandler(AttachDocumentCommand)
export class AttachDocumentHandler implements ICommandHandler<AttachDocumentCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: AttachDocumentCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.attachDocument(
        {
          id: p.documentId,
          filename: p.filename,
          mediaType: p.mediaType,
          size: p.size,
          sha256: p.sha256,
          storage: p.storage,
          blobKey: p.documentId,
          description: p.description ?? null,
          uploadedBy: ctx.actor.userId,
          uploadedAt: ctx.now,
        },
        ctx.actor,
        ctx.now,
      );
      return referralResult(r, { documentId: p.documentId, filename: p.filename, mediaType: p.mediaType, size: p.size, sha256: p.sha256 });
    });
  }
}
