import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize } from '@bedlink/domain';
import { referralAccess, referralResult } from '../../command';
import { UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { ConfirmAdmissionCommand } from './confirm-admission.command';

/**
 * The patient arrived: hold consumed; a bed goes U → O, a programme slot becomes an enrolment;
 * any bed the patient still occupied → H and any programme they were on is left.
 */
@CommandHandler(ConfirmAdmissionCommand)
export class ConfirmAdmissionHandler implements ICommandHandler<ConfirmAdmissionCommand> {
  constructor(@Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork) {}
  execute({ payload: p, ctx, type }: ConfirmAdmissionCommand) {
    return this.uow.run(ctx, async (tx) => {
      const r = await tx.getReferral(p.referralId);
      authorize(ctx.actor, type, referralAccess(r));
      // the patient's bed, family doctor and programmes in one read, after the referral's lock (programmes
      // are locked below before any is changed, as when they were read after the beds)
      const where = await tx.patientWhereabouts(r.props.patientId);
      const held = r.confirmAdmission(ctx.actor, ctx.now, where.familyDoctor);
      const previous = where.occupiedBed;
      const ids = [...(held.bedId ? [held.bedId] : []), ...(previous && previous !== held.bedId ? [previous] : [])].sort();
      const beds = new Map<string, Awaited<ReturnType<typeof tx.getBed>>>();
      for (const id of ids) beds.set(id, await tx.getBed(id)); // id order: no deadlock between two admissions
      if (previous && previous !== held.bedId) beds.get(previous)!.discharge(r.id, ctx.now);
      if (held.bedId) beds.get(held.bedId)!.admit(r.props.patientId, r.id, ctx.now);
      // Admitted to a bed: every home slot is left. Admitted to a home programme: the slot of the same kind is
      // left (a move between programmes), the other kind is kept (两床融合).
      const leaving = where.enrolments
        .filter((e) => e.programmeId !== held.programmeId && (!held.programmeId || e.kind === r.props.requestedKind))
        .map((e) => e.programmeId);
      // Programmes after beds, and in id order among themselves, like beds: no deadlock between two admissions.
      for (const id of [...new Set([...leaving, held.programmeId].filter((x): x is string => !!x))].sort()) await tx.getProgramme(id);
      for (const id of leaving) (await tx.getProgramme(id)).endEnrolment(r.props.patientId, r.id, ctx.now);
      if (held.programmeId)
        (await tx.getProgramme(held.programmeId)).enrol({ enrolmentId: randomUUID(), patientId: r.props.patientId, referralId: r.id }, ctx.now);
      // The receiver now cares for the patient: a care relationship that outlives the referral.
      if (!(await tx.careRelationshipsOf(r.props.patientId, held.institutionId)).kinds.includes('RECEIVED')) {
        (await tx.getPatient(r.props.patientId)).addCareRelationship(
          { institutionId: held.institutionId, kind: 'RECEIVED', sharedRecord: true, supplied: null },
          ctx.now,
        );
      }
      return referralResult(r, { bedId: held.bedId, programmeId: held.programmeId });
    });
  }
}
