import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { registerOrRelate } from '../shared/patients';
import { AdmitPatientCommand } from './admit-patient.command';

/**
 * A patient admitted to a bed of the institution without a referral (a direct admission, or any
 * admission its HIS reports): the patient is found in the master patient index or registered,
 * and the bed goes U (or I) → O, in one transaction. Arrivals of a referral go through
 * ConfirmAdmission instead (the HL7 endpoint routes them there).
 */
@CommandHandler(AdmitPatientCommand)
export class AdmitPatientHandler implements ICommandHandler<AdmitPatientCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: AdmitPatientCommand) {
    return this.uow.run(ctx, async (tx) => {
      const inst = ctx.actor.institutionId;
      if (!inst) throw new DomainError('FORBIDDEN', 'admissions are recorded by an institution');
      const known = await tx.findPatientByResidentId(p.residentId.toUpperCase());
      if (!known && !p.name?.trim()) throw new DomainError('VALIDATION_FAILED', 'a patient new to the network needs a name (PID-5) to be registered');
      // The patient before the bed: rows are written in the order aggregates were first touched, and
      // the bed row points at the patient row. (Refused below, the registration rolls back with the rest.)
      const patientId = await registerOrRelate(
        tx,
        inst,
        { residentId: p.residentId, name: p.name?.trim() || '(unnamed)', sex: p.sex, birthDate: p.birthDate },
        ctx.now,
      );
      const bed = await tx.getBed(p.bedId);
      authorize(ctx.actor, type, { districtId: bed.props.districtId, ownInstitutionId: bed.props.institutionId });
      const current = await tx.findOccupiedBed(patientId);
      // A retransmitted or repeated admission to the same bed changes nothing.
      if (current === bed.id) return { bedId: bed.id, patientId, status: bed.status, changed: false };
      // Where else the patient lies is not the caller's to know: only that it must end first.
      if (current)
        throw new DomainError('PATIENT_ALREADY_IN_BED', 'the patient occupies another bed of the network; that stay must end (discharge or transfer) first');
      if (bed.props.liveReservationId || (bed.props.returnHold && bed.props.returnHold.patientId !== patientId))
        throw new DomainError('BED_ALREADY_RESERVED', `bed ${bed.props.label} is held for another patient`, { bedId: bed.id });
      // the journey shows the stay, and the patient's family doctor's centre is told of the admission
      bed.admit(patientId, null, ctx.now, { via: 'DIRECT_ADMISSION', familyDoctorInstitutionId: await tx.familyDoctorOf(patientId) });
      return { bedId: bed.id, patientId, status: bed.status, changed: true };
    });
  }
}
