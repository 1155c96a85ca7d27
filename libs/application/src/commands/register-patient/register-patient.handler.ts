import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { assertAssessment, authorize, DomainError, Patient } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
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
      const residentId = p.residentId.toUpperCase();
      // Master patient index: a resident ID the network already knows gets a care relationship for
      // the caller, and the same answer as a fresh registration. A 409 here would tell a stranger
      // that the person is in care somewhere; refusing would let whoever registered first lock the
      // patient's other institutions out. The caller earns only what it supplied itself.
      const knownId = await tx.findPatientByResidentId(residentId);
      if (knownId) {
        const known = await tx.getPatient(knownId);
        if (p.assessment) assertAssessment(p.assessment);
        if (!(await tx.careRelationshipsOf(known.id, inst)).kinds.includes('REGISTERED')) {
          known.addCareRelationship(
            {
              institutionId: inst,
              kind: 'REGISTERED',
              sharedRecord: false,
              supplied: { name: p.name, phone: p.phone ?? null, assessment: p.assessment ?? null, hardship: p.hardship ?? false },
            },
            ctx.now,
          );
        }
        return { patientId: known.id };
      }
      const patient = Patient.register(
        {
          id: p.id ?? randomUUID(),
          residentId,
          name: p.name,
          phone: p.phone ?? null,
          sex: p.sex,
          birthDate: p.birthDate,
          registeredBy: inst,
          assessment: p.assessment ?? null,
          hardship: p.hardship ?? false,
          familyDoctorInstitutionId: p.familyDoctorInstitutionId ?? null,
          home: p.home ? { areaCode: p.home.areaCode ?? null, lat: p.home.lat ?? null, lng: p.home.lng ?? null } : null,
        },
        ctx.now,
      );
      tx.add(patient);
      return { patientId: patient.id };
    });
  }
}
