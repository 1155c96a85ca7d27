import { randomUUID } from 'node:crypto';
import { CommandContext } from '@bedlink/application';
import { SYSTEM_ACTOR } from '@bedlink/domain';

/** A unit of work's context for a test that runs one directly: the system actor, fresh ids, no command_log row. */
export function systemCommand(commandType: string): CommandContext {
  return {
    commandId: `c${randomUUID().replace(/-/g, '')}`,
    commandType,
    actor: SYSTEM_ACTOR,
    correlationId: randomUUID(),
    causationId: null,
    now: new Date(),
    logResult: false,
  };
}
