import { Actor, DomainError } from '@bedlink/domain';
import { CommandClass } from '../commands/registry';
import { fakeMatcher, fakePolicy, FakeUnitOfWork, Stage, world, ctxFor } from './fake-unit-of-work';

/** Handlers take (uow, policy?, matcher?) in that order; the fakes fill every slot. */
type HandlerClass = new (...deps: never[]) => { execute(cmd: never): Promise<unknown> };

export interface HandlerCase {
  /** What the case shows, e.g. 'happy path' or 'a stranger may not'. */
  name: string;
  stage?: Stage;
  /** Changes the world before the command runs (a closed bed, a second referral...). */
  given?: (w: FakeUnitOfWork) => void;
  actor: Actor;
  /** The command's payload, or a function of the world for ids made while building it. */
  payload: Record<string, unknown> | ((w: FakeUnitOfWork) => Record<string, unknown>);
  /** The events the command records, in order; with `result`, what it answers (a subset). */
  events?: string[];
  result?: Record<string, unknown>;
  /** A refusal: its DomainError code; nothing is recorded. */
  refused?: string;
  /** With `refused`: the machine-readable details the refusal carries (a subset), e.g. the fields at fault. */
  details?: Record<string, unknown>;
  /** Checks on the world after a successful run: stored rows, event payloads (`w.payloadOf`), the order rows were read. */
  after?: (w: FakeUnitOfWork, result: Record<string, unknown>) => void | Promise<void>;
}

/**
 * One table per handler: each row runs the command against a fresh in-memory world and checks
 * either its events and answer or its refusal code.
 */
export function describeHandler(Command: CommandClass, Handler: HandlerClass, cases: HandlerCase[]): void {
  describe(`${Command.type} handler`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const w = world(c.stage);
      c.given?.(w);
      const handler = new (Handler as unknown as new (...deps: unknown[]) => { execute(cmd: unknown): Promise<unknown> })(w, fakePolicy, fakeMatcher);
      const run = handler.execute(new Command(typeof c.payload === 'function' ? c.payload(w) : c.payload, ctxFor(c.actor, Command.type)));
      if (c.refused) {
        const err = await run.then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(DomainError);
        expect((err as DomainError).code).toBe(c.refused);
        if (c.details) expect((err as DomainError).details).toMatchObject(c.details);
        return;
      }
      const result = await run;
      if (c.events) expect(w.events).toEqual(c.events);
      if (c.result) expect(result).toMatchObject(c.result);
      await c.after?.(w, result as Record<string, unknown>);
    });
  });
}
