import { ERROR_CODES } from '@bedlink/domain';
import { HTTP_STATUS_OF } from '../apps/api/src/http/error.filter';
import { CONSUMERS, QUEUES } from '@bedlink/messaging';
import { COMMAND_CLASSES } from '@bedlink/application';

/** README sections that read tables outside the domain (HTTP map, queues, commands). */
export function readmeExtras(): Record<string, () => string> {
  return {
    errors: () => ['| code | HTTP |', '|---|---|', ...ERROR_CODES.map((c) => `| \`${c}\` | ${HTTP_STATUS_OF[c]} |`)].join('\n'),
    queues: () =>
      [
        '| queue | what runs there |',
        '|---|---|',
        `| \`${QUEUES.commands}\` | every command (job id = idempotency key), prioritised EMERGENCY > URGENT > ROUTINE |`,
        ...CONSUMERS.map(
          (c) =>
            `| \`${c.queue}\` | consumer \`${c.name}\`${c.inbox ? ' (inbox: exactly-once effect)' : ''}: ${c.types === 'ALL' ? 'all events' : c.types.join(', ')} |`,
        ),
        `| \`${QUEUES.deadlines}\` | delayed jobs: offer deadlines and bed-hold expiries, re-armed from Postgres |`,
      ].join('\n'),
    commands: () =>
      Object.keys(COMMAND_CLASSES)
        .map((c) => `\`${c}\``)
        .join(', '),
  };
}
