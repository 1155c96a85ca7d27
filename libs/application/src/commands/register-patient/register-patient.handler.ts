import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { registerOrRelate } from '../shared/patients';
import { RegisterPatientCommand } from './register-patient.command';

@CommandHandler(RegisterPatientCommand)
export class RegisterPatientHandler implements ICommandHandler<RegisterPatientCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: RegisterPatientCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = ctx.actor.institutionId;
      if (!inst) throw new DomainError('FORBIDDEN', 'patients are registered by an institution');
      authorize(ctx.actor, type, { ownInstitutionId: inst });
      if (p.familyDoctorInstitutionId) {
        const fd = await tx.getInstitution(p.familyDoctorInstitutionId);
        if (fd.props.type !== 'COMMUNITY_HEALTH_CENTRE')
          throw new DomainError('VALIDATION_FAILED', 'a family-doctor contract is with a community health centre');
      }
      // A 409 for a known resident ID would tell a stranger that the person is in care somewhere;
      // refusing would let whoever registered first lock the patient's other institutions out.
      return { patientId: await registerOrRelate(tx, inst, p, ctx.now) };
    });
  }
}
