import { Bed, Programme } from '@bedlink/domain';
import { ACTORS, DISTRICT, FakeUnitOfWork, T0 } from '../../testing/fake-unit-of-work';
import { describeHandler, HandlerCase } from '../../testing/handler-cases';
import { addProgramme } from '../../testing/home';
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

/** `sbed` at cc1, ward S: a bed with every attribute set, for the rows that agree or disagree with it. */
const described = {
  kind: 'COMMUNITY' as const,
  services: ['REHAB', 'OXYGEN'] as Array<'REHAB' | 'OXYGEN'>,
  sexRestriction: 'F' as const,
  minCareLevel: 1,
  maxCareLevel: 3,
  isolationCapable: true,
  basicGuarantee: true,
};
const withDescribedBed = (w: FakeUnitOfWork) => {
  const b = Bed.register({ id: 'sbed', institutionId: 'cc1', districtId: DISTRICT, ward: 'S', label: 's-1', ...described }, T0);
  b.pullEvents();
  w.add(b);
};
const sameRow = { ward: 'S', label: 's-1', ...described };
const bedAt = (w: FakeUnitOfWork, ward: string, label: string) =>
  [...w.all.values()].find((a): a is Bed => a instanceof Bed && a.props.ward === ward && a.props.label === label);
/** prog-1 (capacity 2) with one held slot and one enrolment: both slots in use. */
const fullProgramme = (w: FakeUnitOfWork) => {
  const prog = w.all.get('prog-1') as Programme;
  prog.noteReserved();
  prog.noteReserved();
  prog.enrol({ enrolmentId: 'e-1', patientId: 'pat-1', referralId: 'earlier' }, T0);
  prog.pullEvents();
};

const disagreeing: Array<[keyof typeof described, unknown]> = [
  ['kind', 'CARE_HOME'],
  ['services', ['REHAB']],
  ['sexRestriction', 'M'],
  ['minCareLevel', 2],
  ['maxCareLevel', 4],
  ['isolationCapable', false],
  ['basicGuarantee', false],
];
describeHandler(ImportBedsCommand, ImportBedsHandler, [
  {
    name: 'new beds are stored with the row’s attributes, defaults for those left out, and answered with their ids',
    actor: ACTORS.target,
    payload: {
      institutionId: 'cc1',
      beds: [
        { ward: 'N', label: 'n-1', ...described },
        { ward: 'N', label: 'n-2', kind: 'COMMUNITY' },
      ],
    },
    after: (w, result) => {
      const full = bedAt(w, 'N', 'n-1')!;
      const bare = bedAt(w, 'N', 'n-2')!;
      expect(full.props).toMatchObject({ institutionId: 'cc1', districtId: DISTRICT, status: 'U', ...described });
      expect(bare.props).toMatchObject({
        kind: 'COMMUNITY',
        services: [],
        sexRestriction: null,
        minCareLevel: null,
        maxCareLevel: null,
        isolationCapable: false,
        basicGuarantee: false,
      });
      expect(result).toEqual({
        institutionId: 'cc1',
        dryRun: false,
        applied: true,
        beds: {
          create: [
            { row: 1, ward: 'N', label: 'n-1', kind: 'COMMUNITY', bedId: full.id },
            { row: 2, ward: 'N', label: 'n-2', kind: 'COMMUNITY', bedId: bare.id },
          ],
          unchanged: [],
        },
        capacities: [],
      });
    },
  },
  {
    name: 'a dry run stores no bed and changes no capacity',
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: rows, capacities: [{ programmeId: 'prog-1', capacity: 5 }], dryRun: true },
    after: (w, result) => {
      expect(bedAt(w, 'Rehab 3', '3-01')).toBeUndefined();
      expect((w.all.get('prog-1') as Programme).props.capacity).toBe(2);
      expect(result).toMatchObject({ dryRun: true, applied: false, capacities: [{ programmeId: 'prog-1', from: 2, to: 5, used: 0 }] });
      expect((result.beds as { create: object[] }).create[0]).not.toHaveProperty('bedId');
    },
  },
  {
    name: 'a bed that says the same, services in another order, is left alone',
    given: withDescribedBed,
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [{ ...sameRow, services: ['OXYGEN', 'REHAB'] }] },
    events: [],
    result: { beds: { create: [], unchanged: [{ row: 1, ward: 'S', label: 's-1', bedId: 'sbed' }] } },
  },
  {
    name: 'services stored in order, the row’s in another: still the same bed',
    given: (w) => {
      withDescribedBed(w);
      w.add(Bed.rehydrate({ ...(w.all.get('sbed') as Bed).props, services: ['OXYGEN', 'REHAB'] }, 1));
    },
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [{ ...sameRow, services: ['REHAB', 'OXYGEN'] }] },
    events: [],
    result: { beds: { create: [], unchanged: [{ row: 1, bedId: 'sbed' }] } },
  },
  {
    name: 'a row that leaves attributes out does not disagree',
    given: withDescribedBed,
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [{ ward: 'S', label: 's-1', kind: 'COMMUNITY' }] },
    events: [],
    result: { beds: { create: [], unchanged: [{ row: 1, bedId: 'sbed' }] } },
  },
  ...disagreeing.map(([field, value]): HandlerCase => ({
    name: `a bed already there with another ${field} refuses the import, naming the field and the row`,
    given: withDescribedBed,
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [rows[0], { ...sameRow, [field]: value }] },
    refused: 'ALREADY_EXISTS',
    details: { bedId: 'sbed', fields: [field], row: 2 },
  })),
  {
    name: 'the row in a refusal: a duplicate',
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [rows[0], rows[1], rows[0]] },
    refused: 'VALIDATION_FAILED',
    details: { row: 3 },
  },
  {
    name: 'the row in a refusal: a kind the institution may not hold',
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [rows[0], { ward: 'X', label: '1', kind: 'HOSPITAL' }] },
    refused: 'BED_KIND_MISMATCH',
    details: { row: 2 },
  },
  {
    name: 'a capacity below the slots in use is refused, in a dry run too',
    given: fullProgramme,
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [], capacities: [{ programmeId: 'prog-1', capacity: 1 }], dryRun: true },
    refused: 'PROGRAMME_FULL',
    details: { programmeId: 'prog-1', used: 2 },
  },
  {
    name: 'a capacity equal to the slots in use is taken',
    given: fullProgramme,
    actor: ACTORS.target,
    payload: { institutionId: 'cc1', beds: [], capacities: [{ programmeId: 'prog-1', capacity: 2 }] },
    events: [],
    result: { capacities: [] },
  },
  {
    name: 'capacities are applied in programme id order and only the changed ones reported',
    given: (w) => {
      addProgramme(w, 'prog-0', 'cc1', 'HOME_SICKBED', 4);
      addProgramme(w, 'prog-2', 'cc1', 'HOME_SICKBED', 1);
    },
    actor: ACTORS.target,
    payload: {
      institutionId: 'cc1',
      beds: [],
      capacities: [
        { programmeId: 'prog-2', capacity: 3 },
        { programmeId: 'prog-1', capacity: 2 },
        { programmeId: 'prog-0', capacity: 6 },
      ],
    },
    result: {
      capacities: [
        { programmeId: 'prog-0', from: 4, to: 6, used: 0 },
        { programmeId: 'prog-2', from: 1, to: 3, used: 0 },
      ],
    },
    after: (w) => {
      expect(w.reads.filter((id) => id.startsWith('prog-'))).toEqual(['prog-0', 'prog-1', 'prog-2']);
      expect((w.all.get('prog-2') as Programme).props.capacity).toBe(3);
      expect((w.all.get('prog-0') as Programme).props.capacity).toBe(6);
      // the audit says where the change came from
      expect(w.recorded.filter((e) => e.type === 'ProgrammeCapacityChanged').map((e) => [e.aggregateId, e.reason])).toEqual([
        ['prog-0', 'import'],
        ['prog-2', 'import'],
      ]);
    },
  },
  {
    name: 'a programme of another institution: its id in the refusal',
    actor: ACTORS.origin,
    payload: { institutionId: 'hosp', beds: [], capacities: [{ programmeId: 'prog-1', capacity: 3 }] },
    refused: 'FORBIDDEN',
    details: { programmeId: 'prog-1' },
  },
]);
