import { liveInvolvement } from './referral-machine';

/**
 * DOMAIN.md, "Roles": an institution's rights on a referral end with its offer (declined, expired or
 * withdrawn); the one holding or having received the patient keeps them. Written by hand from that
 * rule, not from LIVE_INVOLVEMENT_OFFER_STATES.
 */
describe('live involvement', () => {
  const offer = (targetInstitutionId: string, state: string) => ({ targetInstitutionId, state });
  const reservation = (institutionId: string, state: string) => ({ institutionId, state });

  it('the origin alone before any offer, and when offers and reservations are absent', () => {
    expect(liveInvolvement({ originInstitutionId: 'hosp' })).toEqual(['hosp']);
    expect(liveInvolvement({ originInstitutionId: 'hosp', offers: [], reservations: [] })).toEqual(['hosp']);
  });

  it('targets whose offer is open or accepted are in; those whose offer ended are out', () => {
    const offers = [
      offer('pending', 'PENDING'),
      offer('viewed', 'VIEWED'),
      offer('accepted', 'ACCEPTED'),
      offer('declined', 'DECLINED'),
      offer('expired', 'EXPIRED'),
      offer('withdrawn', 'WITHDRAWN'),
      offer('revoked', 'REVOKED'),
    ];
    expect(liveInvolvement({ originInstitutionId: 'hosp', offers })).toEqual(['hosp', 'pending', 'viewed', 'accepted']);
  });

  it('an institution holding the patient, or that received the patient, stays in; a hold given back or lapsed does not', () => {
    const reservations = [
      reservation('holds', 'HELD'),
      reservation('received', 'CONSUMED'),
      reservation('released', 'RELEASED'),
      reservation('lapsed', 'EXPIRED'),
    ];
    // the offers of the reservations have ended (revoked, withdrawn): only the reservation can keep them in
    const offers = [offer('received', 'REVOKED'), offer('released', 'REVOKED'), offer('lapsed', 'REVOKED')];
    expect(liveInvolvement({ originInstitutionId: 'hosp', offers, reservations })).toEqual(['hosp', 'holds', 'received']);
  });

  it('each institution once, however many ways it is involved', () => {
    expect(
      liveInvolvement({
        originInstitutionId: 'hosp',
        offers: [offer('cc1', 'ACCEPTED'), offer('cc1', 'DECLINED'), offer('cc2', 'PENDING')],
        reservations: [reservation('cc1', 'HELD'), reservation('cc2', 'CONSUMED')],
      }),
    ).toEqual(['hosp', 'cc1', 'cc2']);
  });
});
