import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { patientOf } from '../shared/patients';
import { CancelAdmissionCommand } from './cancel-admission.command';

/** The admission never happened: the bed, occupied by this patient, is free again (O → U, no cleaning). */
@CommandHandler(CancelAdmissionCommand)
export class CancelAdmissionHandler implements ICommandHandler<CancelAdmissionCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: CancelAdmissionCommand) {
    return this.uow.run(ctx, async (tx) => {
      const bed = await tx.getBed(p.bedId);
      authorize(ctx.actor, type, { districtId: bed.props.districtId, ownInstitutionId: bed.props.institutionId });
      const patientId = await patientOf(tx, p);
      bed.cancelAdmission(patientId, ctx.now, p.reason);
      return { bedId: bed.id, patientId, status: bed.status };
    });
  }
}
