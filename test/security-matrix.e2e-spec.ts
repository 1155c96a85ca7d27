import { isoDay } from './support/dates';
import { Queue, QueueEvents } from 'bullmq';
import { COMMAND_NAMES, CommandName, defaultPolicy, PERMISSIONS, Role, roleFitsInstitution, ROLES } from '@bedlink/domain';
import { jobSigningSecret } from '@bedlink/config';
import { CommandGateway, JobSeal, QUEUES, redisOptionsFromUrl } from '@bedlink/messaging';
import { PiiCipher } from '@bedlink/persistence';
import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';
import { client, Reply } from './support/http';
import { generateSync } from 'otplib';

jest.setTimeout(300_000);

const MX_PASSWORD = 'matrix passphrase 1';

type C = ReturnType<typeof client>;
type Side = 'own' | 'foreign';
const HUMAN_ROLES = ROLES.filter((r) => r !== 'SYSTEM') as Role[];
const DISTRICT = ['DISTRICT_COORDINATOR', 'AUDITOR'];

/**
 * The access matrix walked cell by cell, generated from PERMISSIONS: every human role × every
 * command × own / foreign institution (district roles: own / foreign district), over HTTP against
 * the real engine (API, queue, worker, Postgres). Each cell gets a fresh referral in the state the
 * command needs, so an allowed cell must really succeed: allowed means the command's success status
 * (200/201/204 with the result; a 202 only says "queued" and a 400/404/409 is a refusal, so neither
 * counts), forbidden means 403 FORBIDDEN. Every allowed cell is prepared so that its command
 * succeeds; any other answer is recorded with its status and code (e.g. "HTTP 409 INVALID_TRANSITION")
 * and fails the cell, so a fixture in the wrong state cannot pass as "allowed".
 * Commands only the engine issues (ExpireOffer, ExpireReservation) have no HTTP route; their cells
 * put a job with a human actor straight on the commands queue, so the application layer itself is tested.
 */
describe(`Security: access matrix, ${HUMAN_ROLES.length} roles × ${COMMAND_NAMES.length} commands × own/foreign = ${HUMAN_ROLES.length * COMMAND_NAMES.length * 2} cells`, () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let gateway: CommandGateway;
  let queue: Queue;
  let events: QueueEvents;
  let seq = 0;

  beforeAll(async () => {
    e = await startEngine({ env: { WEBHOOK_ALLOW_PRIVATE_URLS: 'true' } });
    d = await smallDistrict(e);
    const connection = redisOptionsFromUrl(e.cfg.REDIS_URL);
    queue = new Queue(QUEUES.commands, { connection, prefix: e.cfg.QUEUE_PREFIX });
    events = new QueueEvents(QUEUES.commands, { connection, prefix: e.cfg.QUEUE_PREFIX });
    await events.waitUntilReady();
    gateway = new CommandGateway(queue as any, events, async () => null, 15_000, new JobSeal(new PiiCipher(jobSigningSecret(e.cfg))));
  });
  afterAll(async () => {
    await events?.close();
    await queue?.close();
    await e?.close();
  });

  // ---- fixtures: a referral from the hospital, offered to cc1; cc2 is the stranger ----
  const bed = async (c: C, inst: string, kind = 'COMMUNITY') =>
    (await ok(c.post('/beds', { institutionId: inst, kind, ward: 'Matrix', label: `m-${++seq}` }), 'bed')).bedId as string;
  const patient = async () =>
    (await ok(d.planner.post('/patients', { residentId: residentId(20_000 + ++seq), name: `矩阵${seq}`, phone: '13700000000' }), 'patient'))
      .patientId as string;
  const draft = async () =>
    (
      await ok(
        d.planner.post('/referrals', {
          patientId: await patient(),
          requestedKind: 'COMMUNITY',
          services: ['REHAB'],
          urgency: 'ROUTINE',
          clinicalSummary: 'matrix',
          careLevel: 3,
          consent: true,
        }),
        'draft',
      )
    ).referralId as string;
  const submitted = async () => {
    const id = await draft();
    await ok(d.planner.post(`/referrals/${id}/submit`), 'submit');
    return id;
  };
  const offered = async () => {
    const id = await submitted();
    const offer = await ok(d.planner.post(`/referrals/${id}/offers`, { targetInstitutionId: d.cc1, targetBedId: await bed(d.cc1c, d.cc1) }), 'offer');
    return { id, offerId: offer.offerId as string };
  };
  const accepted = async () => {
    const f = await offered();
    await ok(d.cc1c.post(`/referrals/${f.id}/offers/${f.offerId}/accept`, {}), 'accept');
    return f;
  };
  const inTransfer = async () => {
    const f = await accepted();
    await ok(d.planner.post(`/referrals/${f.id}/start-transfer`), 'transfer');
    return f;
  };
  const escalated = async () => {
    const id = await submitted();
    await ok(d.dc.post(`/referrals/${id}/escalate`, { reason: 'no capacity' }), 'escalate');
    return id;
  };

  /** Per command: the institution that is "own" for it, and how to attempt it (fixture built fresh per cell). */
  type Attempt = (c: C) => Promise<Reply>;
  const HOSPITAL = () => d.hospital;
  const CC1 = () => d.cc1;
  const http: Partial<Record<CommandName, { own: () => string; prepare: () => Promise<Attempt> }>> = {
    RegisterInstitution: {
      own: HOSPITAL,
      prepare: async () => (c) => c.post('/institutions', { code: `MX${++seq}-d1`, name: 'Matrix', type: 'COMMUNITY_HEALTH_CENTRE', districtId: 'd1' }),
    },
    UpdateInstitution: {
      own: HOSPITAL,
      prepare: async () => (c) => c.raw('PATCH', `/institutions/${d.cc2}`, { name: `矩阵 ${++seq}` }),
    },
    RegisterBed: { own: CC1, prepare: async () => (c) => c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Matrix', label: `rb-${++seq}` }) },
    ImportBeds: {
      own: CC1,
      prepare: async () => (c) => c.post('/beds/import', { institutionId: d.cc1, beds: [{ ward: 'Matrix', label: `ib-${++seq}`, kind: 'COMMUNITY' }] }),
    },
    MarkReserveBed: {
      own: CC1,
      prepare: async () => {
        const b = await bed(d.cc1c, d.cc1);
        return (c) => c.post(`/beds/${b}/reserve`, { reserve: true, reason: 'matrix' });
      },
    },
    OpenReserveBeds: {
      own: HOSPITAL,
      prepare: async () => {
        const b = await bed(d.cc1c, d.cc1);
        await ok(d.cc1c.post(`/beds/${b}/reserve`, { reserve: true }), 'reserve');
        return (c) => c.post('/reserve-beds/open', { bedIds: [b], reason: 'matrix' });
      },
    },
    ChangeBedStatus: {
      own: CC1,
      prepare: async () => {
        const b = await bed(d.cc1c, d.cc1);
        return (c) => c.post(`/beds/${b}/status`, { command: 'Close', reason: 'matrix' });
      },
    },
    // registering a patient has no foreign object: the institution is the caller's own by construction
    RegisterPatient: {
      own: HOSPITAL,
      prepare: async () => (c) => c.post('/patients', { residentId: residentId(40_000 + ++seq), name: '矩阵', phone: '13700000001' }),
    },
    // foreign: the patient is in the care of the hospital, not of the drafter
    DraftReferral: {
      own: HOSPITAL,
      prepare: async () => {
        const p = await patient();
        return (c) =>
          c.post('/referrals', {
            patientId: p,
            requestedKind: 'COMMUNITY',
            services: ['REHAB'],
            urgency: 'ROUTINE',
            clinicalSummary: 'matrix',
            careLevel: 3,
            consent: true,
          });
      },
    },
    SubmitReferral: {
      own: HOSPITAL,
      prepare: async () => {
        const id = await draft();
        return (c) => c.post(`/referrals/${id}/submit`);
      },
    },
    ExtendOffer: {
      own: HOSPITAL,
      prepare: async () => {
        const id = await submitted();
        const b = await bed(d.cc1c, d.cc1);
        return (c) => c.post(`/referrals/${id}/offers`, { targetInstitutionId: d.cc1, targetBedId: b });
      },
    },
    ViewOffer: {
      own: CC1,
      prepare: async () => {
        const f = await offered();
        return (c) => c.post(`/referrals/${f.id}/offers/${f.offerId}/view`);
      },
    },
    AcceptOffer: {
      own: CC1,
      prepare: async () => {
        const f = await offered();
        return (c) => c.post(`/referrals/${f.id}/offers/${f.offerId}/accept`, {});
      },
    },
    DeclineOffer: {
      own: CC1,
      prepare: async () => {
        const f = await offered();
        return (c) => c.post(`/referrals/${f.id}/offers/${f.offerId}/decline`, { reason: 'OTHER', text: 'matrix' });
      },
    },
    RevokeAcceptance: {
      own: CC1,
      prepare: async () => {
        const f = await accepted();
        return (c) => c.post(`/referrals/${f.id}/revoke`, { reason: 'matrix' });
      },
    },
    StartTransfer: {
      own: HOSPITAL,
      prepare: async () => {
        const f = await accepted();
        return (c) => c.post(`/referrals/${f.id}/start-transfer`);
      },
    },
    ConfirmAdmission: {
      own: CC1,
      prepare: async () => {
        const f = await inTransfer();
        return (c) => c.post(`/referrals/${f.id}/confirm-admission`);
      },
    },
    AbortTransfer: {
      own: HOSPITAL,
      prepare: async () => {
        const f = await inTransfer();
        return (c) => c.post(`/referrals/${f.id}/abort-transfer`, { reason: 'matrix' });
      },
    },
    EndStay: {
      own: CC1,
      prepare: async () => {
        const f = await inTransfer();
        await ok(d.cc1c.post(`/referrals/${f.id}/confirm-admission`), 'admit');
        const patientId = (await ok(d.planner.get(`/referrals/${f.id}`), 'read')).patientId as string;
        return (c) => c.post(`/patients/${patientId}/stay/end`, { reason: 'DISCHARGED_HOME' });
      },
    },
    CancelReferral: {
      own: HOSPITAL,
      prepare: async () => {
        const id = await submitted();
        return (c) => c.post(`/referrals/${id}/cancel`, { reason: 'matrix' });
      },
    },
    EscalateReferral: {
      own: HOSPITAL,
      prepare: async () => {
        const id = await submitted();
        return (c) => c.post(`/referrals/${id}/escalate`, { reason: 'matrix' });
      },
    },
    RerouteReferral: {
      own: HOSPITAL,
      prepare: async () => {
        const id = await escalated();
        const b = await bed(d.cc2c, d.cc2);
        return (c) => c.post(`/referrals/${id}/reroute`, { reason: 'matrix', targets: [{ institutionId: d.cc2, bedId: b }] });
      },
    },
    CloseReferral: {
      own: HOSPITAL,
      prepare: async () => {
        const id = await escalated();
        return (c) => c.post(`/referrals/${id}/close`, { reason: 'matrix' });
      },
    },
    RegisterProgramme: {
      own: CC1,
      prepare: async () => (c) => c.post('/programmes', { institutionId: d.cc1, kind: 'HOME_SICKBED', name: `家庭病床${++seq}`, capacity: 3 }),
    },
    ChangeProgrammeCapacity: {
      own: CC1,
      prepare: async () => {
        const id = (await ok(d.cc1c.post('/programmes', { institutionId: d.cc1, kind: 'HOME_SICKBED', name: `家庭病床${++seq}`, capacity: 3 }), 'programme'))
          .programmeId;
        return (c) => c.post(`/programmes/${id}/capacity`, { capacity: 4 });
      },
    },
    RegisterAgreement: {
      own: HOSPITAL,
      prepare: async () => (c) => c.post('/agreements', { fromInstitutionId: d.hospital, toInstitutionId: d.cc2, kinds: ['COMMUNITY'] }),
    },
    // foreign: a batch naming a patient in the hospital's care, sent by another institution
    SubmitSurge: {
      own: HOSPITAL,
      prepare: async () => {
        const p = await patient();
        return (c) =>
          c.post('/referrals/surge', {
            referrals: [{ patientId: p, requestedKind: 'COMMUNITY', services: ['REHAB'], urgency: 'ROUTINE', clinicalSummary: 'matrix', consent: true }],
          });
      },
    },
    SetDistrictPolicy: { own: HOSPITAL, prepare: async () => (c) => c.raw('PUT', '/districts/d1/policy', defaultPolicy('d1')) },
    IssueApiKey: {
      own: HOSPITAL,
      prepare: async () => (c) => c.post('/api-keys', { label: `matrix ${++seq}`, role: 'DISCHARGE_PLANNER', institutionId: d.hospital }),
    },
    RevokeApiKey: {
      own: HOSPITAL,
      prepare: async () => {
        const k = await ok(d.dc.post('/api-keys', { label: `matrix ${++seq}`, role: 'DISCHARGE_PLANNER', institutionId: d.hospital }), 'key');
        return (c) => c.post(`/api-keys/${k.id}/revoke`);
      },
    },
    // registering a webhook has no foreign object: the endpoint is the caller's institution's by construction
    CreateWebhook: { own: CC1, prepare: async () => (c) => c.post('/webhooks', { url: `http://127.0.0.1:9/matrix-${++seq}` }) },
    DeleteWebhook: {
      own: CC1,
      prepare: async () => {
        const w = await ok(d.cc1c.post('/webhooks', { url: `http://127.0.0.1:9/matrix-${++seq}` }), 'webhook');
        return (c) => c.raw('DELETE', `/webhooks/${w.id}`);
      },
    },
    RecordPreferences: {
      own: HOSPITAL,
      prepare: async () => {
        const id = await submitted();
        return (c) => c.post(`/referrals/${id}/preferences`, { ranked: [], excluded: [], expressedBy: 'FAMILY' });
      },
    },
    RecordFamilyRefusal: {
      own: HOSPITAL,
      prepare: async () => {
        const f = await offered();
        return (c) => c.post(`/referrals/${f.id}/offers/${f.offerId}/family-refusal`, {});
      },
    },
    ArrangeTransport: {
      own: HOSPITAL,
      prepare: async () => {
        const f = await accepted();
        return (c) => c.post(`/referrals/${f.id}/transport`, { mode: 'AMBULANCE', pickupAt: new Date(Date.now() + 86_400_000).toISOString() });
      },
    },
    WaitlistReferral: {
      own: CC1,
      prepare: async () => {
        const f = await offered();
        return (c) => c.post(`/referrals/${f.id}/offers/${f.offerId}/waitlist`);
      },
    },
    OfferFromWaitingList: {
      own: CC1,
      prepare: async () => {
        const b = await bed(d.cc1c, d.cc1);
        return (c) => c.post(`/beds/${b}/offer-from-waiting-list`);
      },
    },
    AttachDocument: {
      own: HOSPITAL,
      prepare: async () => {
        const f = await offered();
        return (c) =>
          c.raw('POST', `/referrals/${f.id}/documents?filename=meds.json`, JSON.stringify({ resourceType: 'MedicationStatement', status: 'active' }));
      },
    },
    PostMessage: {
      own: HOSPITAL,
      prepare: async () => {
        const f = await offered();
        return (c) => c.post(`/referrals/${f.id}/messages`, { targetInstitutionId: d.cc1, text: 'matrix' });
      },
    },
    MarkMessagesRead: {
      own: HOSPITAL,
      prepare: async () => {
        const f = await offered();
        const m = await ok(d.cc1c.post(`/referrals/${f.id}/messages`, { text: 'matrix' }), 'message');
        return (c) => c.post(`/referrals/${f.id}/messages/read`, { targetInstitutionId: d.cc1, upToMessageId: m.messageId });
      },
    },
    CreateUserAccount: {
      own: HOSPITAL,
      prepare: async () => (c) =>
        c.post('/users', { username: `mx-user-${++seq}`, displayName: '矩阵', role: 'DISCHARGE_PLANNER', institutionId: d.hospital, password: MX_PASSWORD }),
    },
    AdministerUserAccount: {
      own: HOSPITAL,
      prepare: async () => {
        const u = await ok(
          d.dc.post('/users', {
            username: `mx-user-${++seq}`,
            displayName: '矩阵',
            role: 'DISCHARGE_PLANNER',
            institutionId: d.hospital,
            password: MX_PASSWORD,
          }),
          'account',
        );
        return (c) => c.post(`/users/${u.id}/disable`, { reason: 'matrix' });
      },
    },
    // self-service: the caller's own account (named like its token's subject), whatever its side
    ChangeOwnPassword: {
      own: HOSPITAL,
      prepare: async () => (c) =>
        ownAccount(c).then((id) =>
          id ? c.post('/auth/password', { currentPassword: MX_PASSWORD, newPassword: 'matrix changed passphrase' }) : c.post('/auth/password', {}),
        ),
    },
    SetOwnTotp: {
      own: HOSPITAL,
      prepare: async () => (c) =>
        ownAccount(c).then(async () => {
          const s = await c.post('/auth/totp/setup');
          return c.post('/auth/totp/enable', { pending: s.body?.pending, code: s.body?.secret ? generateSync({ secret: s.body.secret }) : '000000' });
        }),
    },
    UpdatePatientAssessment: {
      own: HOSPITAL,
      prepare: async () => {
        const p = await patient();
        return (c) => c.post(`/patients/${p}/assessment`, { assessment: { grade: 3, type: 'ONGOING', assessedOn: isoDay(-30), expiresOn: isoDay(700) } });
      },
    },
  };
  /** A patient admitted to a fresh cc1 bed by cc1's own admission record (HL7 ADT^A01's command). */
  const admittedAtCc1 = async () => {
    const bedId = await bed(d.cc1c, d.cc1);
    const rid = residentId(60_000 + ++seq);
    const cc1 = { userId: 'mx-adt', role: 'COMMUNITY_COORDINATOR', institutionId: d.cc1, districtId: 'd1' } as const;
    const r = await gateway.dispatch('AdmitPatient', { bedId, residentId: rid, name: '矩阵' }, cc1, { wait: true });
    if (r.status !== 'completed' || !r.outcome.ok) throw new Error(`admit: ${JSON.stringify(r)}`);
    return { bedId, rid, patientId: r.outcome.result.patientId as string, cc1 };
  };

  /**
   * The sign-in account of the caller (its token's subject), created once and reset to MX_PASSWORD by
   * the district before each cell, so each self-service cell starts from a known password.
   */
  const accounts = new Map<string, string>();
  async function ownAccount(c: C): Promise<string | null> {
    const session = await c.get('/auth/session');
    // a credential refused outright (a role claimed for the wrong institution type): the attempt itself shows the refusal
    if (session.status === 403) return null;
    const who = (await ok(Promise.resolve(session), 'who')).actor;
    let id = accounts.get(who.userId);
    if (!id) {
      const dist = who.role === 'DISTRICT_COORDINATOR' || who.role === 'AUDITOR';
      id = (
        await ok(
          d.dc.post('/users', {
            username: who.userId,
            displayName: who.userId,
            role: who.role,
            ...(dist ? {} : { institutionId: who.institutionId }),
            password: MX_PASSWORD,
          }),
          'own account',
        )
      ).id as string;
      accounts.set(who.userId, id!);
    } else await ok(d.dc.post(`/users/${id}/reset-password`, { password: MX_PASSWORD }), 'reset');
    return id!;
  }

  /** Engine-only commands, and the ADT commands (reached through HL7 v2), sent as queue jobs carrying a human actor. */
  const queued: Partial<Record<CommandName, { own: () => string; prepare: () => Promise<Record<string, unknown>> }>> = {
    AdmitPatient: { own: CC1, prepare: async () => ({ bedId: await bed(d.cc1c, d.cc1), residentId: residentId(60_000 + ++seq), name: '矩阵' }) },
    TransferPatient: {
      own: CC1,
      prepare: async () => {
        const a = await admittedAtCc1();
        return { residentId: a.rid, toBedId: await bed(d.cc1c, d.cc1) };
      },
    },
    CancelAdmission: {
      own: CC1,
      prepare: async () => {
        const a = await admittedAtCc1();
        return { residentId: a.rid, bedId: a.bedId };
      },
    },
    CancelDischarge: {
      own: CC1,
      prepare: async () => {
        const a = await admittedAtCc1();
        const r = await gateway.dispatch('EndStay', { patientId: a.patientId, reason: 'DISCHARGED_HOME' }, a.cc1, { wait: true });
        if (r.status !== 'completed' || !r.outcome.ok) throw new Error(`end stay: ${JSON.stringify(r)}`);
        return { residentId: a.rid, bedId: a.bedId };
      },
    },
    ExpireOffer: {
      own: CC1,
      prepare: async () => {
        const f = await offered();
        return { referralId: f.id, offerId: f.offerId };
      },
    },
    ExpireReservation: {
      own: CC1,
      prepare: async () => {
        const f = await accepted();
        return { referralId: f.id };
      },
    },
    LapseReturnHold: { own: CC1, prepare: async () => ({ bedId: await bed(d.cc1c, d.cc1) }) },
    FlagTransportNoShow: {
      own: HOSPITAL,
      prepare: async () => {
        const f = await accepted();
        return { referralId: f.id, windowEndsAt: new Date().toISOString() };
      },
    },
    WarnOfferDeadline: {
      own: CC1,
      prepare: async () => {
        const f = await offered();
        return { referralId: f.id, offerId: f.offerId, fraction: 0.5 };
      },
    },
    // the operator's command (npm run audit:archive): every person is refused before anything is read
    ArchiveAuditPartition: { own: CC1, prepare: async () => ({ month: '2020-01' }) },
  };

  /** The statuses that mean "the command ran and succeeded" (202 only means queued). */
  const SUCCESS = [200, 201, 204];

  const actorFor = (role: Role, side: Side, own: string) => {
    // lower case: a subject that can also be a sign-in username (the self-service cells need one)
    const userId = `mx-${role.toLowerCase()}`;
    if (DISTRICT.includes(role)) return { userId, role, institutionId: null, districtId: side === 'own' ? 'd1' : 'd2' };
    return { userId, role, institutionId: side === 'own' ? own : d.cc2, districtId: 'd1' };
  };
  const typeOf = (inst: string | null) =>
    inst === d.hospital ? 'REGIONAL_MEDICAL_CENTRE' : inst === d.care ? 'ELDERLY_CARE_INSTITUTION' : inst ? 'COMMUNITY_HEALTH_CENTRE' : null;
  const expected = (cmd: CommandName, role: Role, side: Side, own: string) => {
    const perm = PERMISSIONS[cmd];
    // a role claimed for an institution of another type is refused before anything else, at the API and in the worker
    const inst = actorFor(role, side, own).institutionId;
    if (inst && !roleFitsInstitution(role, typeOf(inst))) return 'ROLE_INSTITUTION_MISMATCH';
    if (!perm.roles.includes(role)) return 'FORBIDDEN';
    // a family doctor drafts only for residents signed with its own centre; the matrix's patient has none
    if (role === 'FAMILY_DOCTOR' && cmd === 'DraftReferral') return 'FORBIDDEN';
    if (cmd === 'RegisterPatient' || cmd === 'CreateWebhook') return 'allowed'; // self-scoped: no foreign object exists
    if (cmd === 'ChangeOwnPassword' || cmd === 'SetOwnTotp') return 'allowed'; // one's own account, by construction
    if (cmd === 'DeleteWebhook' && side === 'foreign') return 'NOT_FOUND'; // another institution's endpoint is not disclosed
    return side === 'own' ? 'allowed' : 'FORBIDDEN';
  };

  /**
   * A command's fixtures are prepared together, at most PREPARE_AT_ONCE at a time, so they wait on the API,
   * the queue and the worker, not on each other. The attempts then run one at a time in the same order as
   * before, so no cell sees another's attempt half done. (One cell after another, the walk took 210 s of
   * CI's 17 minutes.)
   *
   * An allowed cell gets a fixture of its own, since its command changes it. The refused cells of a command
   * share one: a refusal changes nothing, so each of them meets the fixture as fresh as its own would be.
   * One that is wrongly let through is recorded as allowed and fails the walk whatever the cells after it
   * see. (A fixture per cell was ~1,300 fixtures of several commands each, the longest suite in CI.)
   */
  const PREPARE_AT_ONCE = 6;
  async function prepareAll<T>(n: number, prepare: () => Promise<T>): Promise<T[]> {
    const out: T[] = new Array(n);
    let next = 0;
    const lane = async () => {
      while (next < n) {
        const i = next++;
        out[i] = await prepare();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PREPARE_AT_ONCE, n) }, lane));
    return out;
  }

  // ~1,300 cells; a fresh fixture for each allowed one
  it('every cell answers as PERMISSIONS says', async () => {
    const want: Record<string, string> = {};
    const got: Record<string, string> = {};
    for (const cmd of COMMAND_NAMES) {
      const cells = HUMAN_ROLES.flatMap((role) => (['foreign', 'own'] as Side[]).map((side) => ({ role, side, cell: `${cmd} ${role} ${side}` })));
      for (const { role, side, cell } of cells) want[cell] = expected(cmd, role, side, (http[cmd] ?? queued[cmd])!.own());
      // fixture i for the i-th allowed cell; the last one for every refused cell
      const allowed = cells.filter((c) => want[c.cell] === 'allowed').length;
      const refused = cells.length - allowed;
      let nextOwn = 0;
      const fixtureOf = cells.map((c) => (want[c.cell] === 'allowed' ? nextOwn++ : allowed));
      const fixtures = allowed + (refused > 0 ? 1 : 0);
      if (http[cmd]) {
        const spec = http[cmd]!;
        const attempts = await prepareAll(fixtures, spec.prepare);
        for (const [i, { role, side, cell }] of cells.entries()) {
          const a = actorFor(role, side, spec.own());
          const r = await attempts[fixtureOf[i]](
            client(e.baseUrl, e.token(role, a.institutionId, { districtId: a.districtId ?? undefined, userId: a.userId })),
          );
          got[cell] =
            r.status === 403 && (r.body?.code === 'FORBIDDEN' || r.body?.code === 'ROLE_INSTITUTION_MISMATCH')
              ? r.body.code
              : r.status === 404 && r.body?.code === 'NOT_FOUND'
                ? 'NOT_FOUND'
                : SUCCESS.includes(r.status)
                  ? 'allowed'
                  : `HTTP ${r.status} ${r.body?.code}`;
        }
      } else {
        const spec = queued[cmd]!;
        const payloads = await prepareAll(fixtures, spec.prepare);
        for (const [i, { role, side, cell }] of cells.entries()) {
          const r = await gateway.dispatch(cmd, payloads[fixtureOf[i]], actorFor(role, side, spec.own()) as any, { wait: true });
          got[cell] =
            r.status !== 'completed'
              ? 'timeout'
              : r.outcome.ok
                ? 'allowed'
                : r.outcome.error.code === 'FORBIDDEN' || r.outcome.error.code === 'ROLE_INSTITUTION_MISMATCH'
                  ? r.outcome.error.code
                  : `refused ${r.outcome.error.code}`;
        }
      }
    }
    expect(Object.keys(got)).toHaveLength(HUMAN_ROLES.length * COMMAND_NAMES.length * 2);
    expect(got).toEqual(want);
    // the matrix is not trivially one-sided
    const values = Object.values(got);
    expect(values.filter((v) => v === 'allowed').length).toBeGreaterThan(30);
    expect(values.filter((v) => v === 'FORBIDDEN').length).toBeGreaterThan(100);
  }, 900_000);

  it('reads: a foreign institution gets 404 for a referral, its trail, its patient and other users’ commands (existence is not disclosed); involved ones 200', async () => {
    const f = await offered();
    const [row] = await e.ds.query(`SELECT patient_id FROM referrals WHERE id = $1`, [f.id]);
    const why = { 'x-access-reason': 'matrix' };
    for (const c of [d.planner, d.cc1c]) {
      expect((await c.get(`/referrals/${f.id}`)).status).toBe(200);
      expect((await c.get(`/referrals/${f.id}/audit`)).status).toBe(200);
      expect((await c.get(`/patients/${row.patient_id}`, why)).status).toBe(200);
    }
    for (const c of [d.cc2c, d.carec]) {
      expect((await c.get(`/referrals/${f.id}`)).body.code).toBe('REFERRAL_NOT_FOUND');
      expect((await c.get(`/referrals/${f.id}/audit`)).body.code).toBe('REFERRAL_NOT_FOUND');
      expect((await c.get(`/patients/${row.patient_id}`, why)).body.code).toBe('PATIENT_NOT_FOUND');
      expect((await c.get(`/referrals`)).body.map((r: any) => r.id)).not.toContain(f.id);
    }
    const otherDistrict = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'd2' }));
    expect((await otherDistrict.get(`/referrals/${f.id}`)).status).toBe(404);
    expect((await otherDistrict.get(`/patients/${row.patient_id}`, why)).status).toBe(404);
    const auditorOther = client(e.baseUrl, e.token('AUDITOR', null, { districtId: 'd2' }));
    expect((await auditorOther.get(`/referrals/${f.id}/audit`)).status).toBe(404);
    expect((await d.planner.get('/audit/verify')).status).toBe(403);

    // a command's status and result belong to whoever issued it
    const sent = await d.planner.post(`/referrals/${f.id}/cancel`, { reason: 'matrix' });
    const commandId = sent.headers.get('x-command-id') as string;
    expect((await d.planner.get(`/commands/${commandId}`)).status).toBe(200);
    for (const c of [d.cc1c, d.cc2c, client(e.baseUrl, e.token('DISCHARGE_PLANNER', d.hospital, { userId: 'a-colleague' }))]) {
      const r = await c.get(`/commands/${commandId}`);
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('COMMAND_NOT_FOUND');
    }
  });
});
