import { CommandName } from '@bedlink/domain';
import { CommandClass, COMMANDS } from './commands/registry';

const entries = Object.values(COMMANDS);

/** Every command the engine runs, by its stable name: the worker builds commands from job names with it. */
export const COMMAND_CLASSES = Object.fromEntries(entries.map((e) => [e.command.type, e.command])) as Readonly<Record<CommandName, CommandClass>>;

/** The handler providers the worker registers with the command bus. */
export const COMMAND_HANDLERS = entries.map((e) => e.handler);
