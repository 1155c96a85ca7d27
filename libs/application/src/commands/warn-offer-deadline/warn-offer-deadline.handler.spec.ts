import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { WarnOfferDeadlineCommand } from './warn-offer-deadline.command';
import { WarnOfferDeadlineHandler } from './warn-offer-deadline.handler';

const payload = { referralId: 'ref-1', offerId: 'off-1', fraction: 0.5 };
describeHandler(WarnOfferDeadlineCommand, WarnOfferDeadlineHandler, [
  { name: 'the timer warns the target', stage: 'OFFERED', actor: ACTORS.system, payload, events: ['OfferDeadlineWarning'] },
  { name: 'a person may not', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'no warning for an answered offer', stage: 'ACCEPTED', actor: ACTORS.system, payload, refused: 'INVALID_TRANSITION' },
]);
