import { Queue, QueueEvents } from 'bullmq';
import { jobSigningSecret } from '@bedlink/config';
import { Role, ROLE_INSTITUTION_TYPES } from '@bedlink/domain';
import { CommandGateway, JobSeal, QUEUES, redisOptionsFromUrl } from '@bedlink/messaging';
import { PiiCipher } from '@bedlink/persistence';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client } from './support/http';
import { pick } from './support/stays';

jest.setTimeout(120_000);

/**
 * Roles belong to institution types (DOMAIN.md, "Roles and what they may do"): a stranger who claims
 * a role for an institution of the wrong type is refused with 403 ROLE_INSTITUTION_MISMATCH when the
 * credential is issued, and again on every request and every command, whatever issued it.
 */
describe('roles tied to institution types', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let gateway: CommandGateway;
  let queue: Queue;
  let events: QueueEvents;

  beforeAll(async () => {
    e = await startEngine();
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

  const typeOf = () => ({
    [d.hospital]: 'REGIONAL_MEDICAL_CENTRE',
    [d.cc1]: 'COMMUNITY_HEALTH_CENTRE',
    [d.cc2]: 'COMMUNITY_HEALTH_CENTRE',
    [d.care]: 'ELDERLY_CARE_INSTITUTION',
  });
  /** Every (role, institution) pair of the district whose type the role does not belong to. */
  const mismatches = () => {
    const out: { role: Role; inst: string }[] = [];
    for (const role of ['DISCHARGE_PLANNER', 'COMMUNITY_COORDINATOR', 'CARE_HOME_ADMISSIONS', 'FAMILY_DOCTOR'] as Role[])
      for (const [inst, type] of Object.entries(typeOf())) if (!ROLE_INSTITUTION_TYPES[role]!.includes(type as never)) out.push({ role, inst });
    return out;
  };
  const expectMismatch = (r: { status: number; body: any }) => {
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: 'ROLE_INSTITUTION_MISMATCH', details: { allowedTypes: expect.any(Array) } });
  };
  const count = async (table: string) => (await e.ds.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;

  it('a token claiming a role for the wrong institution type reads and writes nothing, for every such pair', async () => {
    const pairs = mismatches();
    expect(pairs.length).toBe(4 * 4 - 6); // 16 pairs, 6 of them fit (two centres serve two roles each)
    const beds = await count('beds');
    for (const { role, inst } of pairs) {
      const stranger = client(e.baseUrl, e.token(role, inst, { districtId: d.district }));
      expectMismatch(await stranger.get('/bed-board'));
      expectMismatch(await stranger.post('/beds', { institutionId: inst, kind: 'CARE_HOME', ward: 'X', label: `${role}` }));
      expectMismatch(await stranger.post('/patients', { residentId: '110101195001011234', name: '陌生人' }));
    }
    expect(await count('beds')).toBe(beds);
    // the same role at its own type still works (the rule is not a blanket refusal)
    expect((await d.carec.get('/bed-board')).status).toBe(200);
  });

  it('a care-home admissions token for a hospital cannot accept that hospital’s offers; a planner token for a centre cannot refer', async () => {
    const patient = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: patient,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'stable',
        consent: true,
      }),
      'draft',
    );
    const centre = pick(d.cc1, d.cc2);
    const bedsOf = centre === d.cc1 ? d.cc1Beds : d.cc2Beds;
    const sub = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: centre, bedId: bedsOf[0] }] }), 'submit');
    const offerId = sub.offers[0].offerId as string;
    // the offer's target, claimed under a role that does not belong to a community centre
    const wrong = pick<Role>('DISCHARGE_PLANNER', 'CARE_HOME_ADMISSIONS');
    expectMismatch(await client(e.baseUrl, e.token(wrong, centre, { districtId: d.district })).post(`/referrals/${r.referralId}/offers/${offerId}/accept`, {}));
    // a discharge planner "at" a community centre drafts nothing
    expectMismatch(
      await client(e.baseUrl, e.token('DISCHARGE_PLANNER', centre, { districtId: d.district })).post('/referrals', {
        patientId: patient,
        requestedKind: 'HOSPITAL',
        services: [],
        urgency: 'URGENT',
        clinicalSummary: 'x',
        consent: true,
      }),
    );
    // the referral is untouched; the rightful coordinator still accepts
    expect((await d.planner.get(`/referrals/${r.referralId}`)).body.state).toBe('OFFERED');
    const c = centre === d.cc1 ? d.cc1c : d.cc2c;
    await ok(c.post(`/referrals/${r.referralId}/offers/${offerId}/accept`, { bedId: bedsOf[0] }), 'accept');
  });

  it('refuses to issue an API key or a sign-in account whose role does not fit the institution', async () => {
    const { role, inst } = pick(...mismatches());
    const keys = await count('api_keys');
    const users = await count('user_accounts');
    expectMismatch(await d.dc.post('/api-keys', { label: 'wrong type', role, institutionId: inst }));
    expectMismatch(
      await d.dc.post('/users', { username: `wrong.${role.toLowerCase()}`, displayName: '错配', role, institutionId: inst, password: 'correct horse battery' }),
    );
    expect(await count('api_keys')).toBe(keys);
    expect(await count('user_accounts')).toBe(users);
    // the fitting pair is issued
    const fit = Object.entries(typeOf()).find(([, t]) => ROLE_INSTITUTION_TYPES[role]!.includes(t as never))![0];
    expect((await d.dc.post('/api-keys', { label: 'right type', role, institutionId: fit })).status).toBe(201);
  });

  it('a stale API key (issued before the rule, now naming the wrong type) is refused on its next request', async () => {
    const key = await ok(d.dc.post('/api-keys', { label: 'HIS', role: 'COMMUNITY_COORDINATOR', institutionId: d.cc1 }), 'key');
    const his = (path: string) => fetch(e.baseUrl + path, { headers: { 'x-api-key': key.key } });
    expect((await his('/bed-board')).status).toBe(200);
    // as a key issued by an older release would be: same row, a role that does not belong to the institution
    await e.ds.query(`UPDATE api_keys SET role = 'CARE_HOME_ADMISSIONS' WHERE id = $1`, [key.id]);
    const r = await his('/bed-board');
    expect(r.status).toBe(403);
    expect(((await r.json()) as any).code).toBe('ROLE_INSTITUTION_MISMATCH');
  });

  it('a command that reaches the queue without the API (stale job, HL7 listener) is refused by the worker and recorded', async () => {
    const { role, inst } = pick(...mismatches());
    const actor = { userId: 'queued-stranger', role, institutionId: inst, districtId: d.district };
    const bedsBefore = await count('beds');
    const out = await gateway.dispatch('RegisterBed', { institutionId: inst, kind: 'CARE_HOME', ward: 'Q', label: 'q-1', services: [] }, actor as any, {
      wait: true,
    });
    expect(out.status).toBe('completed');
    expect((out as any).outcome).toMatchObject({ ok: false, error: { code: 'ROLE_INSTITUTION_MISMATCH' } });
    expect(await count('beds')).toBe(bedsBefore);
    const logged = await e.ds.query(`SELECT ok, result FROM command_log WHERE actor_user = 'queued-stranger'`);
    expect(logged).toHaveLength(1);
    expect(logged[0].ok).toBe(false);
  });

  it('a token naming an institution that is not registered is refused the same way', async () => {
    const ghost = client(
      e.baseUrl,
      e.token(pick<Role>('DISCHARGE_PLANNER', 'COMMUNITY_COORDINATOR'), '00000000-0000-4000-8000-00000000dead', { districtId: d.district }),
    );
    expectMismatch(await ghost.get('/bed-board'));
    const notUuid = client(e.baseUrl, e.token('CARE_HOME_ADMISSIONS', 'not-a-uuid', { districtId: d.district }));
    expectMismatch(await notUuid.get('/bed-board'));
  });
});
