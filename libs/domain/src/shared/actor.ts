export const ROLES = [
  'DISCHARGE_PLANNER',
  'COMMUNITY_COORDINATOR',
  'CARE_HOME_ADMISSIONS',
  'FAMILY_DOCTOR',
  'DISTRICT_COORDINATOR',
  'AUDITOR',
  'SYSTEM',
] as const;
export type Role = (typeof ROLES)[number];

/** Who acts: recorded on every audit record. SYSTEM is the engine itself (timers, sagas). */
export interface Actor {
  readonly userId: string;
  readonly role: Role;
  /** The institution the user acts for; district roles carry the district id instead. */
  readonly institutionId: string | null;
  readonly districtId?: string | null;
}

export const SYSTEM_ACTOR: Actor = { userId: 'system', role: 'SYSTEM', institutionId: null, districtId: null };
