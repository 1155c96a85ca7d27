import type { BedKind } from '../../../libs/domain/src/beds/bed-kinds';
import { LiveEvent } from './api';

/** The API's responses as the screens read them (responses.dto.ts on the server). */
export interface Institution {
  id: string;
  code: string;
  name: string;
  type: string;
  districtId: string;
  services: string[];
}

export interface Bed {
  id: string;
  kind: BedKind;
  ward: string;
  label: string;
  status: string;
  reserved: boolean;
  services: string[];
}

export interface Offer {
  id: string;
  targetInstitutionId: string;
  targetName: string | null;
  state: string;
  deadlineAt: string | null;
  declineReason: string | null;
}

export interface Referral {
  id: string;
  state: string;
  urgency: string;
  strategy: string;
  requestedKind: string;
  services: string[];
  careLevel: number | null;
  clinicalSummary: string;
  patientId: string;
  origin: { institutionId: string; name: string | null };
  offers: Offer[];
  reservations: { id: string; institutionId: string; bedId: string | null; state: string; expiresAt: string | null }[];
  createdAt: string;
  updatedAt: string;
  history?: { seq: number; at: string; event: string; state: string | null; role: string; institution: string | null; reason: string | null }[];
}

export const isReferralEvent = (e: LiveEvent) => e.aggregateType === 'Referral';
/** Offer states that still wait for the target, so their deadline counts down. */
export const LIVE_OFFER = ['PENDING', 'VIEWED'];
