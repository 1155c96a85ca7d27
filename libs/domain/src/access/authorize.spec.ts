import { Actor } from '../shared/actor';
import { DomainError } from '../shared/errors';
import { authorize, isAllowed } from './permissions';

/**
 * How a permitted role is scoped to the object it acts on, case by case (DOMAIN.md, "Roles and what
 * they may do"): the engine acts on every command it issues; a person of an institution acts only with
 * an institution; reading the registry is not tied to anyone's referral; only the offer's target
 * answers it, whoever holds a bed.
 */
const engine: Actor = { userId: 'engine', role: 'SYSTEM', institutionId: null, districtId: null };
const cc = (institutionId: string | null): Actor => ({ userId: 'u-cc', role: 'COMMUNITY_COORDINATOR', institutionId, districtId: 'D1' });

describe('isAllowed: scoping of a permitted role', () => {
  it('the engine itself fires its timers and acts on whatever it issues, without an institution or district', () => {
    for (const action of ['ExpireOffer', 'ExpireReservation', 'LapseReturnHold', 'EscalateReferral'] as const)
      expect([action, isAllowed(engine, action, {})]).toEqual([action, true]);
    expect(isAllowed(engine, 'AcceptOffer', { districtId: 'D9', offerTargetId: 'CC1' })).toBe(true);
  });

  it('a person of an institution role without an institution acts for nobody', () => {
    expect(isAllowed(cc(null), 'ReadRegistry', { districtId: 'D1' })).toBe(false);
    expect(isAllowed(cc(''), 'AcceptOffer', { districtId: 'D1', offerTargetId: '' })).toBe(false);
  });

  it('reading the registry is open to an institution whatever referral the context names', () => {
    expect(isAllowed(cc('CC1'), 'ReadRegistry', { districtId: 'D1', originInstitutionId: 'HOSP', holderInstitutionId: 'CC2' })).toBe(true);
  });

  it('the target answers its offer even when another institution holds a bed', () => {
    expect(isAllowed(cc('CC1'), 'AcceptOffer', { districtId: 'D1', offerTargetId: 'CC1', holderInstitutionId: 'CC2' })).toBe(true);
    expect(isAllowed(cc('CC1'), 'DeclineOffer', { districtId: 'D1', offerTargetId: 'CC1' })).toBe(true);
    expect(isAllowed(cc('CC2'), 'DeclineOffer', { districtId: 'D1', offerTargetId: 'CC1', holderInstitutionId: 'CC2' })).toBe(false);
  });
});

describe('authorize', () => {
  it('refuses with FORBIDDEN naming the role and the action', () => {
    let caught: unknown;
    try {
      authorize(cc('CC2'), 'AcceptOffer', { districtId: 'D1', offerTargetId: 'CC1' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect({ code: (caught as DomainError).code, details: (caught as DomainError).details }).toEqual({
      code: 'FORBIDDEN',
      details: { role: 'COMMUNITY_COORDINATOR', action: 'AcceptOffer' },
    });
  });

  it('lets an allowed command through', () => {
    expect(() => authorize(cc('CC1'), 'AcceptOffer', { districtId: 'D1', offerTargetId: 'CC1' })).not.toThrow();
  });
});
