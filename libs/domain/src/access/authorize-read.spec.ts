import { Actor } from '../shared/actor';
import { DomainError } from '../shared/errors';
import { authorizeRead } from './authorize-read';

const planner = (institutionId: string): Actor => ({ userId: 'u', role: 'DISCHARGE_PLANNER', institutionId, districtId: null });
const coordinator = (districtId: string): Actor => ({ userId: 'c', role: 'DISTRICT_COORDINATOR', institutionId: null, districtId });

function refusal(f: () => void): DomainError {
  try {
    f();
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected a refusal');
}

describe('authorizeRead', () => {
  const hidden = { code: 'REFERRAL_NOT_FOUND', what: 'referral', id: 'r1' } as const;

  it('lets an involved institution and its district read', () => {
    expect(() => authorizeRead(planner('A'), 'ReadReferral', { districtId: 'D', originInstitutionId: 'A' }, hidden)).not.toThrow();
    expect(() => authorizeRead(coordinator('D'), 'ReadReferral', { districtId: 'D', originInstitutionId: 'A' }, hidden)).not.toThrow();
  });

  it('answers a foreign caller of a single object exactly like an unknown id', () => {
    const e = refusal(() => authorizeRead(planner('B'), 'ReadReferral', { districtId: 'D', originInstitutionId: 'A' }, hidden));
    expect(e.code).toBe('REFERRAL_NOT_FOUND');
    expect(e.message).toBe('referral r1 does not exist');
    expect(refusal(() => authorizeRead(coordinator('E'), 'ReadReferral', { districtId: 'D' }, hidden)).code).toBe('REFERRAL_NOT_FOUND');
  });

  it('refuses with FORBIDDEN when nothing is hidden (the inbox of a public institution)', () => {
    expect(refusal(() => authorizeRead(planner('B'), 'ReadInbox', { districtId: 'D', ownInstitutionId: 'A' })).code).toBe('FORBIDDEN');
    expect(() => authorizeRead(planner('A'), 'ReadInbox', { districtId: 'D', ownInstitutionId: 'A' })).not.toThrow();
    expect(() => authorizeRead(coordinator('D'), 'ReadInbox', { districtId: 'D', ownInstitutionId: 'A' })).not.toThrow();
    expect(refusal(() => authorizeRead(coordinator('E'), 'ReadInbox', { districtId: 'D', ownInstitutionId: 'A' })).code).toBe('FORBIDDEN');
  });
});
