import { defineMachine } from '../shared/state-machine';

/** HL7 v2 table 0116 (Bed Status), so FHIR Location.operationalStatus maps 1:1. */
export const BED_STATUSES = ['U', 'O', 'H', 'C', 'I', 'K'] as const;
export type BedStatus = (typeof BED_STATUSES)[number];

export const BED_STATUS_LABELS: Readonly<Record<BedStatus, { en: string; zh: string }>> = {
  U: { en: 'Unoccupied', zh: '空闲' },
  O: { en: 'Occupied', zh: '占用' },
  H: { en: 'Housekeeping', zh: '清洁中' },
  C: { en: 'Closed', zh: '关闭' },
  I: { en: 'Isolated', zh: '隔离' },
  K: { en: 'Contaminated', zh: '污染' },
};

export const BED_COMMANDS = [
  'Admit',
  'Discharge',
  'CancelAdmit',
  'CancelDischarge',
  'Clean',
  'Close',
  'Reopen',
  'Isolate',
  'LiftIsolation',
  'Contaminate',
  'Decontaminate',
] as const;
export type BedCommand = (typeof BED_COMMANDS)[number];

export const BED_STATUS_MACHINE = defineMachine<BedStatus, BedCommand>({
  name: 'Bed',
  states: BED_STATUSES,
  commands: BED_COMMANDS,
  terminal: [],
  rules: [
    { from: 'U', command: 'Admit', to: ['O'] },
    { from: 'U', command: 'Close', to: ['C'] },
    { from: 'U', command: 'Isolate', to: ['I'] },
    { from: 'U', command: 'Contaminate', to: ['K'] },
    { from: 'O', command: 'Discharge', to: ['H'] },
    // HL7 ADT^A11: the admission was entered in error, so the bed is free again (no cleaning).
    { from: 'O', command: 'CancelAdmit', to: ['U'] },
    { from: 'O', command: 'Contaminate', to: ['K'] },
    { from: 'H', command: 'Clean', to: ['U'] },
    { from: 'H', command: 'Close', to: ['C'] },
    // HL7 ADT^A13: the discharge was entered in error; the bed not yet cleaned takes the patient back.
    { from: 'H', command: 'CancelDischarge', to: ['O'] },
    { from: 'C', command: 'Reopen', to: ['U'] },
    { from: 'I', command: 'LiftIsolation', to: ['U'] },
    { from: 'I', command: 'Admit', to: ['O'] },
    { from: 'K', command: 'Decontaminate', to: ['H'] },
  ],
});

/**
 * Commands an operator may issue directly. Admit, Discharge and their cancellations move a patient,
 * so they happen through a referral or an admission record (HL7 ADT), never as a bare status change.
 */
export const MANUAL_BED_COMMANDS: readonly BedCommand[] = ['Clean', 'Close', 'Reopen', 'Isolate', 'LiftIsolation', 'Contaminate', 'Decontaminate'];

/**
 * The manual command that takes a bed from `from` to the 0116 status `to` (HL7 ADT^A20 names the
 * status, not the command); null when no single manual command does.
 */
export function manualCommandTowards(from: BedStatus, to: BedStatus): BedCommand | null {
  const rule = BED_STATUS_MACHINE.rules.find((r) => r.from === from && r.to.includes(to) && MANUAL_BED_COMMANDS.includes(r.command));
  return rule?.command ?? null;
}
