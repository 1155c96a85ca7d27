import { Referral } from '@bedlink/domain';
import { ACTORS, FakeUnitOfWork } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ExpireReservationCommand } from './expire-reservation.command';
import { ExpireReservationHandler } from './expire-reservation.handler';

const payload = (w: FakeUnitOfWork) => ({ referralId: 'ref-1', reservationId: (w.all.get('ref-1') as Referral).heldReservation!.id });
describeHandler(ExpireReservationCommand, ExpireReservationHandler, [
  { name: 'the timer ends an unused hold', stage: 'ACCEPTED', actor: ACTORS.system, payload, events: ['ReservationExpired', 'ReferralEscalated'] },
  { name: 'a person may not', stage: 'ACCEPTED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'a hold in use does not expire', stage: 'IN_TRANSFER', actor: ACTORS.system, payload, refused: 'INVALID_TRANSITION' },
]);
