import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { authorize, Bed, capabilityMismatch, Referral } from '@bedlink/domain';
import { Policy, POLICY, Tx, UNIT_OF_WORK, UnitOfWork } from '../../ports';
import { timingFor } from '../shared/timing';
import { OfferFromWaitingListCommand } from './offer-from-waiting-list.command';

/** A bed is free for the list when nobody lies in it and nobody holds it: clean (U) or being cleaned (H). */
const FREE_FOR_LIST = ['U', 'H'];

/**
 * The dispatcher: locks the bed, then the institution's list (advisory lock: two beds freeing at
 * once go one after the other, and the second sees the first's offer), then walks the list in
 * order and offers the bed to the first referral it suits. Each referral is locked and re-checked
 * under the lock, so one cancelled a moment ago is skipped. The partial unique indexes (one live
 * entry per referral, one list offer per bed) are the backstop.
 */
@CommandHandler(OfferFromWaitingListCommand)
export class OfferFromWaitingListHandler implements ICommandHandler<OfferFromWaitingListCommand> {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly uow: UnitOfWork,
    @Inject(POLICY) private readonly policy: Policy,
  ) {}
  execute({ payload: p, ctx, type }: OfferFromWaitingListCommand) {
    return this.uow.run(ctx, async (tx) => {
      const bed = await tx.getBed(p.bedId);
      authorize(ctx.actor, type, { districtId: bed.props.districtId, ownInstitutionId: bed.props.institutionId });
      const none = (why: string) => ({ bedId: bed.id, offered: false, why });
      if (!FREE_FOR_LIST.includes(bed.status) || bed.props.liveReservationId || bed.props.returnHold) return none(`bed is ${bed.status} or held`);
      // reserve capacity waits for the district to open it, like every other way to the bed
      if (bed.heldInReserve) return none('bed is reserve capacity the district has not opened');
      const list = await tx.takeWaitingList(bed.props.institutionId, bed.id);
      if (list.bedAlreadyOffered) return none('bed already offered from the list');
      for (const id of list.referralIds) {
        const r = await tx.getReferral(id);
        if (!r.waitingFor(bed.props.institutionId) || !(await suits(tx, r, bed))) continue;
        const offer = r.offerFromWaitingList(bed.id, ctx.actor, await timingFor(this.policy, r), ctx.now);
        return { bedId: bed.id, offered: true, referralId: r.id, offerId: offer.id, state: r.state };
      }
      return none('no referral on the list suits this bed');
    });
  }
}

/** The same capability rule matching uses (kind, services, sex, care grade). */
async function suits(tx: Tx, r: Referral, bed: Bed): Promise<boolean> {
  if (r.props.requestedKind !== bed.props.kind) return false;
  const patient = await tx.getPatient(r.props.patientId);
  const needs = { kind: r.props.requestedKind, services: r.props.services, sex: patient.props.sex, careLevel: r.props.careLevel };
  return capabilityMismatch(needs, bed.props) === null;
}
