import { DomainError, InvalidTransitionError } from './errors';
import { allowedTargets, canApply, defineMachine, StateMachine, toMermaid, transition } from './state-machine';

type S = 'OPEN' | 'HELD' | 'SHUT';
type C = 'Hold' | 'Close' | 'Reopen';
/** A door: OPEN --Hold--> HELD, HELD --Close--> SHUT | OPEN (the guard picks), SHUT is terminal. */
const door = (rules: StateMachine<S, C>['rules']): StateMachine<S, C> => ({
  name: 'Door',
  states: ['OPEN', 'HELD', 'SHUT'],
  commands: ['Hold', 'Close', 'Reopen'],
  terminal: ['SHUT'],
  rules,
});
const DOOR = defineMachine(
  door([
    { from: 'OPEN', command: 'Hold', to: ['HELD'] },
    { from: 'HELD', command: 'Close', to: ['SHUT', 'OPEN'] },
  ]),
);

describe('defineMachine refuses a malformed table, naming the machine and the fault', () => {
  it.each([
    ['an unknown from-state', { from: 'AJAR', command: 'Hold', to: ['HELD'] }, 'Door: unknown from-state AJAR'],
    ['an unknown command', { from: 'OPEN', command: 'Slam', to: ['HELD'] }, 'Door: unknown command Slam'],
    ['an unknown to-state', { from: 'OPEN', command: 'Hold', to: ['HELD', 'GONE'] }, 'Door: unknown to-state GONE'],
    ['a rule out of a terminal state', { from: 'SHUT', command: 'Reopen', to: ['OPEN'] }, 'Door: terminal state SHUT has an outgoing rule'],
  ])('%s', (_what, rule, message) => {
    expect(() => defineMachine(door([rule as never]))).toThrow(new Error(message));
  });

  it('returns a well-formed table as given', () => {
    const m = door([{ from: 'OPEN', command: 'Hold', to: ['HELD'] }]);
    expect(defineMachine(m)).toBe(m);
  });
});

describe('transition', () => {
  it('leads to the first target by default, or to the one the guard picks', () => {
    expect(transition(DOOR, 'OPEN', 'Hold')).toBe('HELD');
    expect(transition(DOOR, 'HELD', 'Close')).toBe('SHUT');
    expect(transition(DOOR, 'HELD', 'Close', { pick: 'OPEN' })).toBe('OPEN');
    expect(allowedTargets(DOOR, 'HELD', 'Close')).toEqual(['SHUT', 'OPEN']);
    expect(canApply(DOOR, 'OPEN', 'Close')).toBe(false);
  });

  it('a pair the table lacks is a domain refusal naming machine, state, command and id', () => {
    let err: unknown;
    try {
      transition(DOOR, 'SHUT', 'Reopen', { id: 'd-1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidTransitionError);
    expect((err as DomainError).details).toEqual({ machine: 'Door', state: 'SHUT', command: 'Reopen', id: 'd-1' });
  });

  it('a pick outside the row is a programming error, never a silent move', () => {
    let err: unknown;
    try {
      transition(DOOR, 'OPEN', 'Hold', { pick: 'SHUT' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(DomainError.isDomainError(err)).toBe(false);
    expect((err as Error).message).toBe('Door: Hold from OPEN cannot lead to SHUT (table allows HELD)');
    expect(() => transition(DOOR, 'HELD', 'Close', { pick: 'HELD' })).toThrow(new Error('Door: Close from HELD cannot lead to HELD (table allows SHUT, OPEN)'));
  });
});

describe('toMermaid', () => {
  it('draws one arrow per target and an end marker per terminal state', () => {
    expect(toMermaid(DOOR)).toBe(['stateDiagram-v2', '  OPEN --> HELD: Hold', '  HELD --> SHUT: Close', '  HELD --> OPEN: Close', '  SHUT --> [*]'].join('\n'));
  });
});
