import { DistrictPolicyDoc, Direction, offerDeadline, OfferTiming, parseDuration, Referral, Urgency } from '@bedlink/domain';
import { Policy } from '../../ports';

/** Offer deadlines from the district policy: per urgency and direction, ROUTINE on the business calendar if so configured. */
export function timingOf(doc: DistrictPolicyDoc, urgency: Urgency, direction: Direction): OfferTiming {
  return { deadlineFor: (now) => offerDeadline(doc, urgency, direction, now) };
}

export async function timingFor(policy: Policy, r: Referral): Promise<OfferTiming> {
  return timingOf(await policy.forDistrict(r.props.districtId), r.props.urgency, r.props.direction);
}

/** How long an accepted bed is held for the patient. */
export async function holdUntil(policy: Policy, r: Referral, now: Date): Promise<Date> {
  const doc = await policy.forDistrict(r.props.districtId);
  return new Date(now.getTime() + parseDuration(doc.reservationHold[r.props.urgency]));
}
