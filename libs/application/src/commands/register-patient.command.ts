import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, CareAssessment, DomainError, Patient, Sex } from '@bedlink/domain';
import { BedlinkCommand } from '../command';
import { UNIT_OF_WORK, UnitOfWork } from '../ports';

export interface RegisterPatientPayload {
  id?: string;
  residentId: string;
  name: string;
  phone?: string | null;
  sex?: Sex;
  birthDate?: string;
  assessment?: CareAssessment | null;
  hardship?: boolean;
  familyDoctorInstitutionId?: string | null;
}
export class RegisterPatientCommand extends BedlinkCommand<RegisterPatientPayload> {}

@CommandHandler(RegisterPatientCommand)
export class RegisterPatientHandler implements ICommandHandler<RegisterPatientCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx }: RegisterPatientCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = ctx.actor.institutionId;
      if (!inst) throw new DomainError('FORBIDDEN', 'patients are registered by an institution');
      authorize(ctx.actor, 'RegisterPatient', { ownInstitutionId: inst });
      if (p.familyDoctorInstitutionId) {
        const fd = await tx.getInstitution(p.familyDoctorInstitutionId);
        if (fd.props.type !== 'COMMUNITY_HEALTH_CENTRE') throw new DomainError('VALIDATION_FAILED', 'a family-doctor contract is with a community health centre');
      }
      const patient = Patient.register(
        { id: p.id ?? randomUUID(), residentId: p.residentId.toUpperCase(), name: p.name, phone: p.phone ?? null, sex: p.sex, birthDate: p.birthDate, registeredBy: inst, assessment: p.assessment ?? null, hardship: p.hardship ?? false, familyDoctorInstitutionId: p.familyDoctorInstitutionId ?? null },
        ctx.now,
      );
      tx.add(patient);
      return { patientId: patient.id };
    });
  }
}
