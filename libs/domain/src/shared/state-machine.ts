import { InvalidTransitionError } from './errors';

/**
 * A lifecycle as data: one row per allowed (from, command) pair with the states it may lead to.
 * Code, tests, the README diagram and the console all read these tables, so the rules live once.
 * More than one `to` means a guard in the aggregate picks (e.g. a decline leaves the referral
 * OFFERED while other offers are pending, ESCALATED when none are left).
 */
export interface TransitionRule<S extends string, C extends string> {
  readonly from: S;
  readonly command: C;
  readonly to: readonly S[];
}

export interface StateMachine<S extends string, C extends string> {
  readonly name: string;
  readonly states: readonly S[];
  readonly commands: readonly C[];
  readonly terminal: readonly S[];
  readonly rules: readonly TransitionRule<S, C>[];
}

export function defineMachine<S extends string, C extends string>(m: StateMachine<S, C>): StateMachine<S, C> {
  for (const r of m.rules) {
    if (!m.states.includes(r.from)) throw new Error(`${m.name}: unknown from-state ${r.from}`);
    if (!m.commands.includes(r.command)) throw new Error(`${m.name}: unknown command ${r.command}`);
    for (const t of r.to) if (!m.states.includes(t)) throw new Error(`${m.name}: unknown to-state ${t}`);
    if (m.terminal.includes(r.from)) throw new Error(`${m.name}: terminal state ${r.from} has an outgoing rule`);
  }
  return m;
}

/** The states `command` may lead to from `state`, or undefined when the table has no such row. */
export function allowedTargets<S extends string, C extends string>(m: StateMachine<S, C>, state: S, command: C): readonly S[] | undefined {
  return m.rules.find((r) => r.from === state && r.command === command)?.to;
}

export function canApply<S extends string, C extends string>(m: StateMachine<S, C>, state: S, command: C): boolean {
  return allowedTargets(m, state, command) !== undefined;
}

/**
 * Checks a move against the table and returns the next state. `pick` chooses among several
 * targets; a choice outside the row is a programming error, never a silent move.
 */
export function transition<S extends string, C extends string>(m: StateMachine<S, C>, state: S, command: C, opts: { id?: string; pick?: S } = {}): S {
  const targets = allowedTargets(m, state, command);
  if (!targets) throw new InvalidTransitionError(m.name, state, command, opts.id);
  const next = opts.pick ?? targets[0];
  if (!targets.includes(next)) {
    throw new Error(`${m.name}: ${command} from ${state} cannot lead to ${next} (table allows ${targets.join(', ')})`);
  }
  return next;
}

/** Mermaid state diagram of a machine, for the README and the console. */
export function toMermaid<S extends string, C extends string>(m: StateMachine<S, C>): string {
  const lines = ['stateDiagram-v2'];
  for (const r of m.rules) for (const t of r.to) lines.push(`  ${r.from} --> ${t}: ${r.command}`);
  for (const t of m.terminal) lines.push(`  ${t} --> [*]`);
  return lines.join('\n');
}
