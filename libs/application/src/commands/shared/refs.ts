export interface ReferralRef {
  referralId: string;
}

export interface ReasonedRef extends ReferralRef {
  reason: string;
}

export interface OfferRef extends ReferralRef {
  offerId: string;
}

export interface ReservationRef {
  referralId: string;
  reservationId: string;
}
