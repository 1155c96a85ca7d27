import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { RecordPreferencesCommand } from './record-preferences.command';

/** The origin records (or replaces) the patient's and family's choice; offers made from then on honour it. */
@CommandHandler(RecordPreferencesCommand)
export class RecordPreferencesHandler implements ICommandHandler<RecordPreferencesCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: RecordPreferencesCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      r.recordPreferences(
        { ranked: p.ranked, excluded: p.excluded, near: p.near ?? null, expressedBy: p.expressedBy, note: p.note ?? null },
        ctx.actor,
        ctx.now,
      );
      return referralResult(r);
    });
  }
}
