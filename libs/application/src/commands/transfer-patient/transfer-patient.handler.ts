import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, DomainError } from '@bedlink/domain';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { patientOf } from '../shared/patients';
import { TransferPatientCommand } from './transfer-patient.command';

/**
 * The patient moves to another bed of the same institution: the bed left goes to housekeeping (H),
 * the new one U → O, in one transaction. Moving between institutions is a referral's business.
 */
@CommandHandler(TransferPatientCommand)
export class TransferPatientHandler implements ICommandHandler<TransferPatientCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: TransferPatientCommand) {
    return this.uow.run(ctx, async (tx) => {
      const patientId = await patientOf(tx, p);
      const fromId = await tx.findOccupiedBed(patientId);
      // The bed left is loaded (and so written) first: the unique occupant index is checked per
      // statement, and the unit of work writes rows in the order they were loaded. Not id order,
      // so two moves across the same two beds may deadlock; Postgres detects it and the unit of
      // work retries.
      const from = fromId ? await tx.getBed(fromId) : null;
      const to = fromId === p.toBedId && from ? from : await tx.getBed(p.toBedId);
      authorize(ctx.actor, type, { districtId: to.props.districtId, ownInstitutionId: to.props.institutionId });
      if (!from || from.props.institutionId !== to.props.institutionId)
        throw new DomainError('PATIENT_NOT_IN_BED', 'the patient is not in a bed of this institution; admit them first');
      if (from.id === to.id) return { bedId: to.id, fromBedId: from.id, patientId, status: to.status, changed: false };
      if (to.props.liveReservationId || (to.props.returnHold && to.props.returnHold.patientId !== patientId))
        throw new DomainError('BED_ALREADY_RESERVED', `bed ${to.props.label} is held for another patient`, { bedId: to.id });
      from.discharge(null, ctx.now);
      // an in-house move is a new stay of the journey, not an admission to the network: nobody else is told
      to.admit(patientId, null, ctx.now, { via: 'WARD_TRANSFER', fromBedId: from.id });
      return { bedId: to.id, fromBedId: from.id, patientId, status: to.status, changed: true };
    });
  }
}
