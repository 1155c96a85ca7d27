import { DeadlineNotReached, DomainError, InvalidTransitionError, notFound } from './errors';

describe('domain errors', () => {
  it('a DomainError carries its code, message and details, and says what it is', () => {
    const e = new DomainError('BED_NOT_AVAILABLE', 'bed b1 is occupied', { bedId: 'b1' });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('DomainError');
    expect([e.code, e.message, e.details]).toEqual(['BED_NOT_AVAILABLE', 'bed b1 is occupied', { bedId: 'b1' }]);
    expect(e.toJSON()).toEqual({ code: 'BED_NOT_AVAILABLE', message: 'bed b1 is occupied', details: { bedId: 'b1' } });
    // without details the body has no details key at all (clients test for its presence)
    expect(new DomainError('FORBIDDEN', 'no').toJSON()).toEqual({ code: 'FORBIDDEN', message: 'no' });
    expect(DomainError.isDomainError(e)).toBe(true);
    expect(DomainError.isDomainError(new Error('plain'))).toBe(false);
  });

  it('an invalid transition names the machine, the state, the command and the id when there is one', () => {
    const withId = new InvalidTransitionError('Referral', 'DRAFT', 'AcceptOffer', 'ref-1');
    expect(withId).toBeInstanceOf(DomainError);
    expect(withId.code).toBe('INVALID_TRANSITION');
    expect(withId.message).toBe('Referral ref-1 in state DRAFT does not accept AcceptOffer');
    expect(withId.details).toEqual({ machine: 'Referral', state: 'DRAFT', command: 'AcceptOffer', id: 'ref-1' });

    const without = new InvalidTransitionError('Offer', 'DECLINED', 'Accept');
    expect(without.message).toBe('Offer in state DECLINED does not accept Accept');
    expect(without.details).toEqual({ machine: 'Offer', state: 'DECLINED', command: 'Accept' });
  });

  it('notFound names what is missing and its id', () => {
    const e = notFound('BED_NOT_FOUND', 'bed', 'b-7');
    expect(e).toBeInstanceOf(DomainError);
    expect(e.toJSON()).toEqual({ code: 'BED_NOT_FOUND', message: 'bed b-7 does not exist', details: { id: 'b-7' } });
  });

  it('DeadlineNotReached is a retry, not a refusal: not a DomainError, and it names both clocks', () => {
    const due = new Date('2026-11-23T10:00:00.000Z');
    const now = new Date('2026-11-23T09:59:59.000Z');
    const e = new DeadlineNotReached('offer o-1', due, now);
    expect(DomainError.isDomainError(e)).toBe(false);
    expect(e.name).toBe('DeadlineNotReached');
    expect([e.what, e.dueAt, e.now]).toEqual(['offer o-1', due, now]);
    expect(e.message).toBe('offer o-1 is due at 2026-11-23T10:00:00.000Z, the database clock says 2026-11-23T09:59:59.000Z');
  });
});
