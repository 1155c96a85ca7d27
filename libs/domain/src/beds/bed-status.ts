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
  'Readmit',
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
    // A transfer aborted after the discharge: the patient goes back to the bed they left (cleaned or not, held for nobody).
    { from: 'H', command: 'Readmit', to: ['O'] },
    { from: 'U', command: 'Readmit', to: ['O'] },
    // HL7 ADT^A11: the admission was entered in error, so the bed is free again (no cleaning).
    { from: 'O', command: 'CancelAdmit', to: ['U'] },
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

/*
 * No O --Contaminate--> K: K means the bed itself is contaminated and nobody is in it (the
 * database holds "occupied iff O"). An occupied bed found contaminated is refused with
 * INVALID_TRANSITION: the patient is moved or the stay ended first (→ H), then H is closed or
 * cleaned; a patient who needs isolation is placed in an isolation-capable bed.
 */

/**
 * Commands an operator may issue directly. Admit, Discharge, Readmit and the cancellations move a patient,
 * so they happen through a referral, a stay or an admission record (HL7 ADT), never as a bare status change.
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
