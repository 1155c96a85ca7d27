import { OfferTiming, Urgency } from '@bedlink/domain';
import { Policy } from '../ports';

/** Offer deadlines per urgency, from the district policy. */
export function offerTiming(policy: Policy, urgency: Urgency): OfferTiming {
  return { deadlineFor: (now) => new Date(now.getTime() + policy.offerWindowMs(urgency)) };
}
