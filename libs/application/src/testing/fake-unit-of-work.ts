import {
  Actor,
  AggregateRoot,
  Agreement,
  CareRelationshipKind,
  DomainEvent,
  AgreementProps,
  ApiKey,
  UserAccount,
  Bed,
  DistrictPolicy,
  Institution,
  LIVE_REFERRAL_STATES,
  notFound,
  Patient,
  Programme,
  Referral,
  ReferralMessage,
  WebhookSubscription,
  defaultPolicy,
} from '@bedlink/domain';
import type { AuditArchive } from '@bedlink/domain';
import { CommandContext, Matcher, Policy, Tx, UnitOfWork } from '../ports';

/**
 * In-memory stand-in for the Postgres unit of work, for handler unit specs: aggregates are built
 * with the domain's own factories and kept in maps; `run` hands the handler a Tx over them and
 * collects the events every aggregate recorded. No locks, versions or outbox: those are the
 * persistence suites' business.
 */
type Agg = Referral | Bed | Institution | Patient | DistrictPolicy | Programme | Agreement | ApiKey | WebhookSubscription | UserAccount | AuditArchive;

export const T0 = new Date('2026-11-23T08:00:00Z');
export const DISTRICT = 'd1';

export class FakeUnitOfWork implements UnitOfWork, Tx {
  readonly all = new Map<string, Agg>();
  /** Event types recorded by the last `run`, in order. */
  events: string[] = [];
  /** The events themselves (payloads, aggregate ids), same order as `events`. */
  recorded: DomainEvent[] = [];
  /**
   * Ids of the aggregates the handler asked for, in the order asked: the real unit of work locks the row at
   * each get, so this is its lock order (handlers take beds, then programmes, in id order to avoid deadlocks).
   */
  readonly reads: string[] = [];
  /** Care relationships already stored beside the registrant's own (e.g. a centre that RECEIVED the patient before). */
  readonly relationships: { patientId: string; institutionId: string; kind: CareRelationshipKind }[] = [];

  async run<T extends object>(_ctx: CommandContext, work: (tx: Tx) => Promise<T>): Promise<T> {
    for (const a of this.all.values()) a.pullEvents();
    const result = await work(this);
    this.recorded = [...this.all.values()].flatMap((a) => (a as AggregateRoot).pullEvents());
    this.events = this.recorded.map((e) => e.type);
    return result;
  }

  /** The payload of the one event of this type the last `run` recorded (fails the test if not exactly one). */
  payloadOf(type: string): Record<string, unknown> {
    const found = this.recorded.filter((e) => e.type === type);
    if (found.length !== 1) throw new Error(`expected one ${type} event, got ${found.length}`);
    return found[0].payload;
  }

  add(a: Agg): void {
    this.all.set(a.id, a);
  }
  private get<T extends Agg>(cls: { prototype: T }, id: string, what: string): T {
    this.reads.push(id);
    const a = this.all.get(id);
    if (!(a instanceof (cls as unknown as typeof AggregateRoot))) throw notFound('NOT_FOUND', what, id);
    return a as T;
  }
  private list<T extends Agg>(cls: { prototype: T }): T[] {
    return [...this.all.values()].filter((a): a is T => a instanceof (cls as unknown as typeof AggregateRoot));
  }

  /** The fake database's clock: tests move it to play a worker whose own clock runs ahead. */
  dbNow?: Date;
  databaseNow = async () => this.dbNow ?? new Date();
  getReferral = async (id: string) => this.get(Referral, id, 'referral');
  getBed = async (id: string) => this.get(Bed, id, 'bed');
  getInstitution = async (id: string) => this.get(Institution, id, 'institution');
  getPatient = async (id: string) => this.get(Patient, id, 'patient');
  getProgramme = async (id: string) => this.get(Programme, id, 'programme');
  getApiKey = async (id: string) => this.get(ApiKey, id, 'api key');
  getUserAccount = async (id: string) => this.get(UserAccount, id, 'user account');
  getWebhookSubscription = async (id: string) => this.get(WebhookSubscription, id, 'webhook subscription');
  getDistrictPolicy = async (districtId: string) => this.list(DistrictPolicy).find((p) => p.document.districtId === districtId) ?? null;
  findPatientLiveReferral = async (patientId: string) =>
    this.list(Referral).find((r) => r.props.patientId === patientId && LIVE_REFERRAL_STATES.includes(r.state))?.id ?? null;
  findOccupiedBed = async (patientId: string) => this.list(Bed).find((b) => b.props.occupantPatientId === patientId)?.id ?? null;
  familyDoctorOf = async (patientId: string) => (this.all.get(patientId) as Patient | undefined)?.props.familyDoctorInstitutionId ?? null;
  findTransferOriginBed = async (referralId: string) => (await this.getReferral(referralId)).props.originBedId;
  bedLocations = async (institutionId: string) =>
    this.list(Bed)
      .filter((b) => b.props.institutionId === institutionId)
      .map((b) => ({ id: b.id, ward: b.props.ward, label: b.props.label }));
  findReturnHoldBed = async (patientId: string) => this.list(Bed).find((b) => b.props.returnHold?.patientId === patientId)?.id ?? null;
  findFreeBeds = async () => [];
  findActiveEnrolments = async (patientId: string) =>
    this.list(Programme)
      .filter((p) => p.activeEnrolments.some((e) => e.patientId === patientId))
      .map((p) => ({ programmeId: p.id, kind: p.props.kind as string }))
      .sort((a, b) => a.programmeId.localeCompare(b.programmeId));
  patientWhereabouts = async (patientId: string) => ({
    occupiedBed: await this.findOccupiedBed(patientId),
    familyDoctor: await this.familyDoctorOf(patientId),
    enrolments: await this.findActiveEnrolments(patientId),
  });
  findActiveEnrolment = async (patientId: string) => this.list(Programme).find((p) => p.activeEnrolments.some((e) => e.patientId === patientId))?.id ?? null;
  readonly messages: ReferralMessage[] = [];
  appendMessage = async (m: ReferralMessage) => void this.messages.push(m);
  markMessagesRead = async () => 0;
  findAgreements = async (): Promise<AgreementProps[]> => [];
  takeWaitingList = async (institutionId: string, bedId: string) => {
    const entries = this.list(Referral)
      .flatMap((r) => r.waitingEntries.map((w) => ({ r, w })))
      .filter(({ w }) => w.institutionId === institutionId && (w.state === 'WAITING' || w.state === 'OFFERED'))
      .sort((a, b) => a.w.addedAt.getTime() - b.w.addedAt.getTime());
    return {
      referralIds: entries.filter(({ w }) => w.state === 'WAITING').map(({ r }) => r.id),
      bedAlreadyOffered: entries.some(({ w }) => w.state === 'OFFERED' && w.bedId === bedId),
    };
  };
  findPatientByResidentId = async (residentId: string) => this.list(Patient).find((p) => p.props.residentId === residentId)?.id ?? null;
  patientInvolvement = async (patientId: string) => {
    const p = await this.getPatient(patientId);
    const live = await this.findPatientLiveReferral(patientId);
    const involved = live ? (await this.getReferral(live)).involvedInstitutions() : [];
    return { institutions: [...new Set([p.props.registeredBy, ...involved])], sharedRecord: [p.props.registeredBy], districtId: DISTRICT };
  };
  careRelationshipsOf = async (patientId: string, institutionId: string) => {
    const p = await this.getPatient(patientId);
    const kinds: CareRelationshipKind[] = p.props.registeredBy === institutionId ? ['REGISTERED'] : [];
    for (const r of this.relationships) if (r.patientId === patientId && r.institutionId === institutionId) kinds.push(r.kind);
    return { kinds, supplied: null };
  };
}

export const fakePolicy: Policy = { forDistrict: async (districtId) => defaultPolicy(districtId) };
export const fakeMatcher: Matcher = { candidates: async () => [], servableBeds: async () => [] };

export const actor = (role: Actor['role'], institutionId: string | null, districtId: string | null = null): Actor => ({
  userId: `u-${role.toLowerCase()}`,
  role,
  institutionId,
  districtId,
});
/** The cast of every handler spec: a hospital planner (origin), a community centre (target), the district, the engine. */
export const ACTORS = {
  origin: actor('DISCHARGE_PLANNER', 'hosp'),
  target: actor('COMMUNITY_COORDINATOR', 'cc1'),
  stranger: actor('COMMUNITY_COORDINATOR', 'cc2'),
  district: actor('DISTRICT_COORDINATOR', null, DISTRICT),
  otherDistrict: actor('DISTRICT_COORDINATOR', null, 'd2'),
  auditor: actor('AUDITOR', null, DISTRICT),
  system: actor('SYSTEM', null),
};

export function ctxFor(a: Actor, commandType = 'Test'): CommandContext {
  return { commandId: `c-${commandType}`, commandType, actor: a, correlationId: 'corr', causationId: null, now: T0 };
}

/** Referral stages a spec can start from, reached through the domain's own methods (no rehydrated shortcuts). */
export type Stage = 'DRAFT' | 'OFFERED' | 'ACCEPTED' | 'IN_TRANSFER' | 'COMPLETED' | 'ESCALATED';

/** A free bed of the fake district (ward W, label = id), as registered at T0; its events not yet pulled. */
export function freeBed(id: string, institutionId: string, kind: Bed['props']['kind'] = 'HOSPITAL'): Bed {
  return Bed.register(
    {
      id,
      institutionId,
      districtId: DISTRICT,
      kind,
      ward: 'W',
      label: id,
      services: [],
      sexRestriction: null,
      minCareLevel: null,
      maxCareLevel: null,
      isolationCapable: false,
      basicGuarantee: false,
    },
    T0,
  );
}

/**
 * A district: hospital `hosp` (bed `obed` holding patient `pat-1`), community centres `cc1` (free
 * bed `bed-1`, home programme `prog-1`, API key `key-1`, webhook `wh-1`, account `user-1`) and `cc2`; with `stage`, referral `ref-1` of pat-1 from hosp to cc1 at that stage
 * (offer `off-1`). Events recorded while building are dropped.
 */
export function world(stage?: Stage): FakeUnitOfWork {
  const w = new FakeUnitOfWork();
  const inst = (id: string, type: Institution['props']['type']) =>
    w.add(Institution.register({ id, code: id, name: id, type, districtId: DISTRICT, address: '', lat: null, lng: null, services: [] }, T0));
  inst('hosp', 'REGIONAL_MEDICAL_CENTRE');
  inst('cc1', 'COMMUNITY_HEALTH_CENTRE');
  inst('cc2', 'COMMUNITY_HEALTH_CENTRE');
  const obed = freeBed('obed', 'hosp', 'HOSPITAL');
  w.add(obed);
  w.add(freeBed('bed-1', 'cc1', 'COMMUNITY'));
  w.add(
    Patient.register({ id: 'pat-1', residentId: '11010519491231002X', name: 'P', phone: null, registeredBy: 'hosp', assessment: null, hardship: false }, T0),
  );
  obed.admit('pat-1', 'earlier', T0);
  w.add(
    Programme.register(
      {
        id: 'prog-1',
        institutionId: 'cc1',
        districtId: DISTRICT,
        kind: 'HOME_SICKBED',
        name: 'home wards',
        capacity: 2,
        serviceArea: { areaCodes: [], radiusKm: null },
        services: [],
        minCareLevel: null,
        maxCareLevel: null,
      },
      T0,
    ),
  );
  w.add(
    ApiKey.issue(
      {
        id: 'key-1',
        prefix: 'bl_key1',
        keyHash: 'h'.repeat(64),
        label: 'cc1 system',
        role: 'COMMUNITY_COORDINATOR',
        institutionId: 'cc1',
        districtId: DISTRICT,
        createdBy: 'u-admin',
        createdAt: T0,
        expiresAt: new Date(T0.getTime() + 86_400_000),
      },
      T0,
    ),
  );
  // the community coordinator's own sign-in account (its username is ACTORS.target's userId)
  w.add(
    UserAccount.create(
      {
        id: 'user-1',
        username: 'u-community_coordinator',
        displayName: 'cc1 coordinator',
        role: 'COMMUNITY_COORDINATOR',
        institutionId: 'cc1',
        districtId: DISTRICT,
        passwordHash: '$argon2id$fake',
        createdBy: 'u-admin',
        createdAt: T0,
      },
      T0,
    ),
  );
  w.add(
    WebhookSubscription.create(
      {
        id: 'wh-1',
        institutionId: 'cc1',
        url: 'https://cc1.example.org/hook',
        eventTypes: ['OfferExtended'],
        description: '',
        secretEnc: 'enc',
        createdBy: 'u-admin',
      },
      T0,
    ),
  );
  if (stage) {
    const r = Referral.draft(
      {
        id: 'ref-1',
        patientId: 'pat-1',
        districtId: DISTRICT,
        originInstitutionId: 'hosp',
        originBedId: 'obed',
        originKind: 'HOSPITAL',
        requestedKind: 'COMMUNITY',
        services: [],
        urgency: 'ROUTINE',
        strategy: 'BROADCAST',
        fanout: 3,
        clinicalSummary: 'stable',
        careLevel: null,
        consent: true,
        expectedArrival: null,
        dispatch: 'MANUAL',
      },
      ACTORS.origin,
      T0,
    );
    w.add(r);
    const timing = { deadlineFor: (now: Date) => new Date(now.getTime() + 3_600_000) };
    if (stage !== 'DRAFT') {
      r.submit(ACTORS.origin, T0);
      r.extendOffer({ offerId: 'off-1', targetInstitutionId: 'cc1', targetBedId: 'bed-1', targetProgrammeId: null }, timing, T0);
    }
    if (stage === 'ESCALATED') r.escalate('no answer', T0);
    if (stage === 'ACCEPTED' || stage === 'IN_TRANSFER' || stage === 'COMPLETED')
      r.acceptOffer('off-1', { bedId: 'bed-1', programmeId: null, holdUntil: new Date(T0.getTime() + 86_400_000) }, ACTORS.target, T0);
    if (stage === 'IN_TRANSFER' || stage === 'COMPLETED') r.startTransfer(ACTORS.origin, T0);
    if (stage === 'COMPLETED') r.confirmAdmission(ACTORS.target, T0);
  }
  for (const a of w.all.values()) a.pullEvents();
  return w;
}
