import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_HANDLER_METADATA } from '@nestjs/cqrs/dist/decorators/constants';
import { COMMAND_NAMES, PERMISSIONS } from '@bedlink/domain';
import { COMMAND_CLASSES, COMMAND_HANDLERS } from '../catalogue';
import { COMMANDS } from './registry';

const kebab = (name: string) => name.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase();
/** Folders here that are not commands. */
const NOT_COMMANDS = new Set(['shared']);

/** A command is its name, permission, class, handler, folder and spec: none may be missing. */
describe('every command is complete', () => {
  it.each(COMMAND_NAMES.map((n) => [n]))('%s', (name) => {
    const entry = COMMANDS[name];
    expect(entry).toBeDefined();
    expect(PERMISSIONS[name]).toBeDefined();
    expect(entry.command.type).toBe(name);
    expect(Reflect.getMetadata(COMMAND_HANDLER_METADATA, entry.handler)).toBe(entry.command);
    const dir = join(__dirname, kebab(name));
    const files = ['command', 'handler', 'handler.spec'].map((f) => join(dir, `${kebab(name)}.${f}.ts`));
    for (const f of files) expect(existsSync(f) ? f : `missing ${f}`).toBe(f);
    // The handler names its action through the command (`type`), never by a retyped string.
    expect(readFileSync(join(dir, `${kebab(name)}.handler.ts`), 'utf8')).not.toMatch(/authorize\(ctx\.actor, '/);
  });

  it('lists no other command, and the derived catalogues agree with it', () => {
    expect(Object.keys(COMMANDS).sort()).toEqual([...COMMAND_NAMES].sort());
    const folders = readdirSync(__dirname, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !NOT_COMMANDS.has(d.name))
      .map((d) => d.name);
    expect(folders.sort()).toEqual(COMMAND_NAMES.map(kebab).sort());
    expect(Object.keys(COMMAND_CLASSES).sort()).toEqual([...COMMAND_NAMES].sort());
    expect(new Set(COMMAND_HANDLERS).size).toBe(COMMAND_NAMES.length);
  });
});
