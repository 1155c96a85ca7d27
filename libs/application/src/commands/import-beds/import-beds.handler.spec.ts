import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { ImportBedsCommand } from './import-beds.command';
import { ImportBedsHandler } from './import-beds.handler';

const rows = [
  { ward: 'Rehab 3', label: '3-01', kind: 'COMMUNITY', services: ['REHAB'] },
  { ward: 'Rehab 3', label: '3-02', kind: 'COMMUNITY' },
];
describeHandler(ImportBedsCommand, ImportBedsHandler, [
  {
    name: 'new beds and a capacity in one transaction',
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: rows, capacities: [{ programmeId: 'prog-1', capacity: 5 }] },
    events: ['ProgrammeCapacityChanged', 'BedRegistered', 'BedRegistered'],
    result: { applied: true, capacities: [{ programmeId: 'prog-1', from: 2, to: 5, used: 0 }] },
  },
  {
    name: 'a dry run reports the plan and records nothing',
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: rows, capacities: [{ programmeId: 'prog-1', capacity: 5 }], dryRun: true },
    events: [],
    result: { applied: false, beds: { create: [{ row: 1, ward: 'Rehab 3', label: '3-01', kind: 'COMMUNITY' }, { row: 2 }], unchanged: [] } },
  },
  {
    name: 'a bed already there and the same is left alone',
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [{ ward: 'W', label: 'bed-1', kind: 'COMMUNITY' }] },
    events: [],
    result: { beds: { create: [], unchanged: [{ row: 1, bedId: 'bed-1' }] } },
  },
  {
    name: 'a bed already there with other attributes refuses the whole import',
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [...rows, { ward: 'W', label: 'bed-1', kind: 'COMMUNITY', services: ['REHAB'] }] },
    refused: 'ALREADY_EXISTS',
  },
  { name: 'the same bed twice in the file', actor: ACTORS.target, payload: { institutionId: 'cc1', beds: [rows[0], rows[0]] }, refused: 'VALIDATION_FAILED' },
  {
    name: 'a kind the institution may not hold',
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [{ ward: 'X', label: '1', kind: 'HOSPITAL' }] },
    refused: 'BED_KIND_MISMATCH',
  },
  { name: 'another institution may not', actor: ACTORS.stranger, payload: { institutionId: 'cc1', beds: rows }, refused: 'FORBIDDEN' },
  {
    name: 'a programme of another institution',
    actor: ACTORS.origin,
    payload: { institutionId: 'hosp', beds: [], capacities: [{ programmeId: 'prog-1', capacity: 3 }] },
    refused: 'FORBIDDEN',
  },
]);
