import { BED_STATUS_MACHINE, BED_STATUS_LABELS } from '../beds/bed-status';
import { COMMAND_NAMES, PERMISSIONS, QUERY_NAMES } from '../access/permissions';
import { ROLES } from '../shared/actor';
import { EVENT_TYPES } from '../shared/events';
import { StateMachine, toMermaid } from '../shared/state-machine';
import { FHIR_TASK_STATUS, OFFER_MACHINE, REFERRAL_MACHINE, RESERVATION_MACHINE } from '../referral/referral-machine';

/**
 * README reference sections rendered from the same tables the code runs on; a unit test fails
 * when the README drifts from them (`npm run docs` rewrites it).
 */
function table<S extends string, C extends string>(m: StateMachine<S, C>): string {
  const rows = m.rules.map((r) => `| ${r.from} | ${r.command} | ${r.to.join(' or ')} |`);
  return ['| from | command | to |', '|---|---|---|', ...rows].join('\n');
}

export function renderLifecycles(): string {
  const part = (title: string, m: StateMachine<string, string>, note = '') =>
    `### ${title}\n${note}\n\`\`\`mermaid\n${toMermaid(m)}\n\`\`\`\n\n${table(m)}\n\nTerminal: ${m.terminal.length ? m.terminal.join(', ') : 'none'}.\n`;
  const fhir = Object.entries(FHIR_TASK_STATUS)
    .map(([s, f]) => `${s} → \`${f}\``)
    .join(', ');
  const bedLabels = Object.entries(BED_STATUS_LABELS)
    .map(([s, l]) => `\`${s}\` ${l.en} (${l.zh})`)
    .join(', ');
  return [
    part('Referral', REFERRAL_MACHINE, `FHIR Task.status: ${fhir}.\n`),
    part('Offer', OFFER_MACHINE),
    part('Reservation (bed hold)', RESERVATION_MACHINE),
    part(
      'Bed status (HL7 v2 table 0116)',
      BED_STATUS_MACHINE,
      `${bedLabels}. Admit, Discharge and their cancellations move a patient: they happen through a referral or an admission record (HL7 ADT: A01 admit, A02 transfer, A03 discharge, A11/A13 cancel), never as a bare status change; ADT^A20 sets a status through the manual commands.\n`,
    ),
  ].join('\n');
}

export function renderAccess(): string {
  const roles = ROLES.filter((r) => r !== 'SYSTEM');
  const head = `| action | scope | ${roles.join(' | ')} |`;
  const sep = `|---|---|${roles.map(() => '---').join('|')}|`;
  const rows = [...COMMAND_NAMES, ...QUERY_NAMES].map((a) => {
    const p = PERMISSIONS[a];
    const cells = roles.map((r) => (p.roles.includes(r) ? '✓' : ''));
    return `| ${a} | ${p.scope}${p.roles.includes('SYSTEM') ? ' (+SYSTEM)' : ''} | ${cells.join(' | ')} |`;
  });
  return [
    'Scopes: ORIGIN = the referring institution; OFFER_TARGET = the institution the offer was made to; HOLDER = the institution holding the bed; INVOLVED = origin or any target; OWN = the institution named by the command; DISTRICT = district roles within their district. A foreign institution reading a referral gets 404 (its existence is not disclosed).',
    '',
    head,
    sep,
    ...rows,
  ].join('\n');
}

export function renderEvents(): string {
  return EVENT_TYPES.map((e) => `\`${e}\``).join(', ');
}

export const GENERATED_SECTIONS: Record<string, () => string> = {
  lifecycles: renderLifecycles,
  access: renderAccess,
  events: renderEvents,
};

/** Replaces each `<!-- generated:NAME -->…<!-- /generated:NAME -->` block with fresh content. */
export function renderReadme(readme: string, extra: Record<string, () => string> = {}): string {
  const sections = { ...GENERATED_SECTIONS, ...extra };
  return readme.replace(/<!-- generated:([a-z-]+) -->[\s\S]*?<!-- \/generated:\1 -->/g, (whole, name: string) => {
    const f = sections[name];
    return f ? `<!-- generated:${name} -->\n${f()}\n<!-- /generated:${name} -->` : whole;
  });
}
