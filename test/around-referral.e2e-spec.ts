import { Queue } from 'bullmq';
import fc from 'fast-check';
import { QUEUES, redisOptionsFromUrl } from '@bedlink/messaging';
import { defaultPolicy } from '@bedlink/domain';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';

jest.setTimeout(180_000);

type District = Awaited<ReturnType<typeof smallDistrict>>;
type Client = District['planner'];

/**
 * Around the referral (issue 17, items 3–6): the family's choice, transport after acceptance,
 * waiting lists, and the KPIs per institution. One engine, one district; every figure the report
 * gives is recomputed with SQL at the end.
 */
describe('Around the referral: choice, transport, waiting lists, KPIs', () => {
  let e: Engine;
  let d: District;
  const PROPERTY_RUNS = Number(process.env.PROPERTY_RUNS ?? 4);

  const draft = async (patientId: string, kind: string, services: string[], extra: Record<string, unknown> = {}) =>
    (
      await ok(
        d.planner.post('/referrals', {
          patientId,
          requestedKind: kind,
          services,
          urgency: 'URGENT',
          clinicalSummary: 'after a stroke',
          consent: true,
          ...extra,
        }),
        'draft',
      )
    ).referralId as string;
  const submit = async (referralId: string, targets: { institutionId: string; bedId?: string }[]) =>
    (await ok(d.planner.post(`/referrals/${referralId}/submit`, { targets }), 'submit')).offers as { offerId: string; targetInstitutionId: string }[];
  const read = async (id: string, by: Client = d.planner) => (await by.get(`/referrals/${id}`)).body;
  const trail = async (id: string) => ((await ok(d.planner.get(`/referrals/${id}/audit`), 'audit')).records as any[]).map((r) => r.eventType as string);

  /** A new institution of the district with `n` beds of one kind, all closed (no free bed): the start of a waiting list. */
  const fullInstitution = async (type: string, kind: string, services: string[], n: number) => {
    const code = `W${Math.floor(Math.random() * 1e9)}`;
    const id = (await ok(d.dc.post('/institutions', { code, name: `候床${code}`, type, districtId: d.district, lat: 31.24, lng: 121.45 }), 'institution'))
      .institutionId as string;
    const role = type === 'ELDERLY_CARE_INSTITUTION' ? 'CARE_HOME_ADMISSIONS' : 'COMMUNITY_COORDINATOR';
    const c = client(e.baseUrl, e.token(role, id, { districtId: d.district }));
    const beds: string[] = [];
    for (let i = 0; i < n; i++) {
      const bedId = (await ok(c.post('/beds', { institutionId: id, kind, ward: 'W', label: `${i + 1}`, services }), 'bed')).bedId as string;
      await ok(c.post(`/beds/${bedId}/status`, { command: 'Close', reason: 'full for the test' }), 'close');
      beds.push(bedId);
    }
    return { id, code, c, beds };
  };

  /** Drafted, offered to `inst` alone, and put on its waiting list by it. */
  const waitlisted = async (inst: { id: string; c: Client }, kind: string, services: string[]) => {
    const patientId = await d.patient(d.planner, d.assessed(3));
    const referralId = await draft(patientId, kind, services);
    const [offer] = await submit(referralId, [{ institutionId: inst.id }]);
    await ok(inst.c.post(`/referrals/${referralId}/offers/${offer.offerId}/waitlist`), 'waitlist');
    return referralId;
  };
  const list = async (inst: { id: string; c: Client }) => (await ok(inst.c.get(`/institutions/${inst.id}/waiting-list`), 'list')).entries as any[];

  /**
   * Stories whose effects the KPI report (story 6) counts. Each runs once, as its own test or from story 6's
   * setup, whichever comes first: jest --randomize may run story 6 before them.
   */
  const stories: Record<'familyRefusal' | 'noShow' | 'waitingList', () => Promise<void>> = {} as never;
  const once = (f: () => Promise<void>) => {
    let run: Promise<void> | undefined;
    return () => (run ??= f());
  };

  beforeAll(async () => {
    e = await startEngine({ env: { DEADLINE_SWEEP_MS: '1000' } });
    d = await smallDistrict(e, `around${Math.floor(Math.random() * 1e6)}`);
    // a short pickup window so a no-show happens during the suite; waiting lists dispatch at once
    const doc = { ...defaultPolicy(d.district), transport: { pickupWindow: '2s' }, waitingList: { dispatch: 'AUTO' } };
    await ok(d.dc.raw('PUT', `/districts/${d.district}/policy`, doc), 'policy');
    await new Promise((r) => setTimeout(r, 2100)); // the worker's policy cache (2 s)
  });
  afterAll(() => e?.close());

  describe('3. the patient’s and family’s choice', () => {
    it('matching leaves out the excluded place and puts the family’s first choice first, and says so', async () => {
      const patientId = await d.patient();
      const preferences = { ranked: [d.cc2], excluded: [d.cc1], near: { of: 'FAMILY', lat: 31.23512, lng: 121.45931 }, expressedBy: 'FAMILY' };
      const id = await draft(patientId, 'COMMUNITY', ['REHAB'], { preferences });
      const c = await ok(d.planner.get(`/referrals/${id}/candidates`), 'candidates');
      expect(c.candidates.map((x: any) => x.institutionId)).not.toContain(d.cc1);
      expect(c.candidates[0].institutionId).toBe(d.cc2);
      expect(c.candidates[0].explanation).toEqual(
        expect.arrayContaining([
          { factor: 'choice', points: 20, max: 20, detail: "the family's choice no. 1" },
          expect.objectContaining({ factor: 'distance', detail: expect.stringMatching(/from the family's home$/) }),
        ]),
      );
      // shown with the referral and the candidates, never with the family's location
      expect(c.preferences).toEqual({ ranked: [d.cc2], excluded: [d.cc1], near: 'FAMILY', expressedBy: 'FAMILY' });
      const r = await read(id);
      expect(r.preferences).toMatchObject({ ranked: [d.cc2], excluded: [d.cc1], near: 'FAMILY', expressedBy: 'FAMILY' });
      expect(JSON.stringify(r)).not.toContain('121.46');
      // an offer made by hand to the excluded place is refused too
      await ok(d.planner.post(`/referrals/${id}/submit`, {}), 'submit');
      expect((await d.planner.post(`/referrals/${id}/offers`, { targetInstitutionId: d.cc1 })).body.code).toBe('VALIDATION_FAILED');
    });

    it('the choice changes later through RecordPreferences; strangers and contradictions are refused', async () => {
      const id = await draft(await d.patient(), 'COMMUNITY', ['REHAB']);
      expect((await d.planner.post(`/referrals/${id}/preferences`, { ranked: [d.cc1], excluded: [d.cc1], expressedBy: 'PATIENT' })).body.code).toBe(
        'VALIDATION_FAILED',
      );
      expect((await d.planner.post(`/referrals/${id}/preferences`, { ranked: [d.hospital], excluded: [], expressedBy: 'PATIENT' })).status).toBe(400);
      expect((await d.planner.post(`/referrals/${id}/preferences`, { ranked: ['not-a-uuid'], excluded: [], expressedBy: 'PATIENT' })).status).toBe(400);
      expect((await d.planner.post(`/referrals/${id}/preferences`, { ranked: [], excluded: [], expressedBy: 'NEIGHBOUR' })).status).toBe(400);
      expect((await d.cc1c.post(`/referrals/${id}/preferences`, { ranked: [], excluded: [d.cc2], expressedBy: 'PATIENT' })).status).toBe(403);
      await ok(d.planner.post(`/referrals/${id}/preferences`, { ranked: [d.cc1], excluded: [d.cc2], expressedBy: 'PATIENT', note: '女儿住在江宁路' }), 'prefs');
      const c = await ok(d.planner.get(`/referrals/${id}/candidates`), 'candidates');
      expect(c.candidates[0].institutionId).toBe(d.cc1);
      expect(c.candidates.map((x: any) => x.institutionId)).not.toContain(d.cc2);
      expect(await trail(id)).toContain('PreferencesRecorded');
    });

    stories.familyRefusal = once(async () => {
      const id = await draft(await d.patient(), 'COMMUNITY', ['REHAB']);
      const [o1, o2] = await submit(id, [{ institutionId: d.cc1 }, { institutionId: d.cc2 }]);
      // the receiver cannot dress a capacity decline up as the family's
      expect((await d.cc1c.post(`/referrals/${id}/offers/${o1.offerId}/decline`, { reason: 'NO_CAPACITY', declinedBy: 'PATIENT' })).body.code).toBe(
        'VALIDATION_FAILED',
      );
      // only the origin records it on the family's behalf
      expect((await d.cc2c.post(`/referrals/${id}/offers/${o1.offerId}/family-refusal`, { text: 'x' })).status).toBe(403);
      const refused = await ok(d.planner.post(`/referrals/${id}/offers/${o1.offerId}/family-refusal`, { text: '家属希望离家更近' }), 'refusal');
      expect(refused).toMatchObject({ declinedBy: 'PATIENT', state: 'OFFERED' });
      await ok(d.cc2c.post(`/referrals/${id}/offers/${o2.offerId}/decline`, { reason: 'STAFFING' }), 'provider decline');
      const r = await read(id);
      expect(r.offers.map((o: any) => [o.targetInstitutionId, o.declineReason, o.declinedBy])).toEqual([
        [d.cc1, 'PATIENT_OR_FAMILY_DECLINED', 'PATIENT'],
        [d.cc2, 'STAFFING', 'PROVIDER'],
      ]);
    });
    it('a family refusal is a decline by the patient, apart from the provider’s declines', () => stories.familyRefusal());
  });

  describe('4. transport after acceptance', () => {
    /** A referral accepted on a bed of cc1 (the receiver). */
    const accepted = async () => {
      const id = await draft(await d.patient(), 'COMMUNITY', ['REHAB']);
      const bedId = (
        await ok(
          d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'T', label: `T${Math.floor(Math.random() * 1e9)}`, services: ['REHAB'] }),
          'bed',
        )
      ).bedId as string;
      const [o] = await submit(id, [{ institutionId: d.cc1, bedId }]);
      await ok(d.cc1c.post(`/referrals/${id}/offers/${o.offerId}/accept`, { bedId }), 'accept');
      return id;
    };

    stories.noShow = once(async () => {
      const id = await accepted();
      const pickupAt = new Date(Date.now() + 500).toISOString();
      const expectedArrivalAt = new Date(Date.now() + 30 * 60_000).toISOString();
      // the receiver may see it, not book it; a hostile body is refused whole
      expect((await d.cc1c.post(`/referrals/${id}/transport`, { mode: 'AMBULANCE', pickupAt })).status).toBe(403);
      expect((await d.planner.post(`/referrals/${id}/transport`, { mode: 'HELICOPTER', pickupAt })).status).toBe(400);
      expect((await d.planner.post(`/referrals/${id}/transport`, { mode: 'AMBULANCE', pickupAt: '2026-11-30T10:00:00' })).status).toBe(400);
      expect((await d.planner.post(`/referrals/${id}/transport`, { mode: 'AMBULANCE', pickupAt, escort: ['BUTLER'] })).status).toBe(400);
      const booked = await ok(
        d.planner.post(`/referrals/${id}/transport`, { mode: 'AMBULANCE', pickupAt, expectedArrivalAt, escort: ['NURSE', 'STRETCHER'] }),
        'book',
      );
      expect(booked.transport).toMatchObject({ mode: 'AMBULANCE', status: 'ARRANGED', expectedArrivalAt });
      const seen = await read(id, d.cc1c);
      expect(seen.transport).toMatchObject({ mode: 'AMBULANCE', expectedArrivalAt, escort: ['NURSE', 'STRETCHER'] });
      expect(seen.expectedArrival).toBe(expectedArrivalAt);

      const noShow = await eventually(
        () => d.planner.get(`/referrals/${id}`),
        (r) => r.body.transport?.status === 'NO_SHOW',
        20_000,
      );
      expect(noShow.body.state).toBe('ACCEPTED'); // the bed is still held: the district decides
      const audit = await ok(d.planner.get(`/referrals/${id}/audit`), 'audit');
      const rec = audit.records.find((r: any) => r.eventType === 'TransportNoShow');
      expect(rec.payload).toMatchObject({ code: 'TRANSPORT_NO_SHOW', mode: 'AMBULANCE', targetInstitutionId: d.cc1 });
      expect(rec.actor.role).toBe('SYSTEM');

      // the patient finally leaves (StartTransfer, as ADT^A03 does): the escalation is resolved
      await ok(d.planner.post(`/referrals/${id}/start-transfer`), 'transfer');
      const after = await read(id);
      expect(after.transport.status).toBe('DEPARTED');
      expect(await trail(id)).toEqual(expect.arrayContaining(['TransportArranged', 'TransportNoShow', 'TransportResolved']));
      await ok(d.cc1c.post(`/referrals/${id}/confirm-admission`), 'admit');
      expect((await read(id)).transport.status).toBe('ARRIVED');
    });
    it('an ambulance that does not come: the receiver sees the expected arrival, the window passes, a coded escalation; the departure closes it', () =>
      stories.noShow());

    it('a re-booked transport makes the first window harmless; no booking before acceptance', async () => {
      const early = await draft(await d.patient(), 'COMMUNITY', ['REHAB']);
      expect((await d.planner.post(`/referrals/${early}/transport`, { mode: 'OWN', pickupAt: new Date().toISOString() })).body.code).toBe('INVALID_TRANSITION');
      const id = await accepted();
      const first = await ok(
        d.planner.post(`/referrals/${id}/transport`, { mode: 'COMMUNITY_VEHICLE', pickupAt: new Date(Date.now() + 300).toISOString() }),
        'book',
      );
      const later = new Date(Date.now() + 3_600_000).toISOString();
      await ok(d.planner.post(`/referrals/${id}/transport`, { mode: 'COMMUNITY_VEHICLE', pickupAt: later }), 're-book');
      // the first window's timer still fires: wait for its command to have run (and been refused), no sleep
      const commands = new Queue(QUEUES.commands, { connection: redisOptionsFromUrl(e.cfg.REDIS_URL), prefix: e.cfg.QUEUE_PREFIX });
      try {
        const jobId = `c-no-show-${id}-${new Date(first.transport.pickupWindowEndsAt).getTime()}`;
        await eventually(
          () => commands.getJobState(jobId),
          (s) => s === 'completed' || s === 'failed',
          20_000,
        );
      } finally {
        await commands.close();
      }
      const r = await read(id);
      expect(r.transport).toMatchObject({ status: 'ARRANGED', pickupAt: later });
      expect(await trail(id)).not.toContain('TransportNoShow');
    });
  });

  describe('5. waiting lists', () => {
    stories.waitingList = once(async () => {
      const home = await fullInstitution('ELDERLY_CARE_INSTITUTION', 'CARE_HOME', ['NURSING'], 1);
      // one resident in the only bed: reopen it, place her through a referral
      await ok(home.c.post(`/beds/${home.beds[0]}/status`, { command: 'Reopen' }), 'reopen');
      const resident = await d.patient(d.planner, d.assessed(4));
      const placed = await draft(resident, 'CARE_HOME', ['NURSING']);
      const [po] = await submit(placed, [{ institutionId: home.id, bedId: home.beds[0] }]);
      await ok(home.c.post(`/referrals/${placed}/offers/${po.offerId}/accept`, { bedId: home.beds[0] }), 'accept');
      await ok(d.planner.post(`/referrals/${placed}/start-transfer`), 'transfer');
      await ok(home.c.post(`/referrals/${placed}/confirm-admission`), 'admit');

      const first = await waitlisted(home, 'CARE_HOME', ['NURSING']);
      const second = await waitlisted(home, 'CARE_HOME', ['NURSING']);
      expect((await list(home)).map((w) => [w.position, w.referralId, w.state])).toEqual([
        [1, first, 'WAITING'],
        [2, second, 'WAITING'],
      ]);
      // the list is the institution's own: another care home's staff and a community centre read nothing
      expect((await d.carec.get(`/institutions/${home.id}/waiting-list`)).status).toBe(403);
      expect((await d.cc1c.get(`/institutions/${home.id}/waiting-list`)).status).toBe(403);

      // the resident goes home: EndStay, bed to housekeeping, and the first on the list is offered it
      await ok(home.c.post(`/patients/${resident}/stay/end`, { reason: 'DISCHARGED_HOME' }), 'end stay');
      const offered = await eventually(
        () => list(home),
        (l) => l[0]?.state === 'OFFERED',
        15_000,
      );
      expect(offered.map((w) => [w.referralId, w.state, w.offeredBedId])).toEqual([
        [first, 'OFFERED', home.beds[0]],
        [second, 'WAITING', null],
      ]);
      const r1 = await read(first);
      expect(r1.state).toBe('OFFERED'); // it had escalated (no bed anywhere); the list brought it back out
      expect(r1.offers.at(-1)).toMatchObject({ targetInstitutionId: home.id, targetBedId: home.beds[0], state: 'PENDING' });
      expect((await read(second)).offers.filter((o: any) => o.state === 'PENDING')).toHaveLength(0);

      // the first one's family takes her home instead: cancelled while first on the list, the bed goes to the second
      await ok(d.planner.post(`/referrals/${first}/cancel`, { reason: '家属接回家' }), 'cancel');
      const handedOn = await eventually(
        () => list(home),
        (l) => l.length === 1 && l[0].referralId === second && l[0].state === 'OFFERED',
        15_000,
      );
      expect(handedOn[0]).toMatchObject({ position: 1, offeredBedId: home.beds[0] });
      // once cleaned, the bed can be accepted by the list's referral
      await ok(home.c.post(`/beds/${home.beds[0]}/status`, { command: 'Clean' }), 'clean');
      const offer = (await read(second)).offers.find((o: any) => o.state === 'PENDING');
      await ok(home.c.post(`/referrals/${second}/offers/${offer.id}/accept`, { bedId: home.beds[0] }), 'accept from list');
      expect(await list(home)).toEqual([]);
      expect(await trail(second)).toEqual(expect.arrayContaining(['ReferralWaitlisted', 'WaitingListOffered', 'WaitingListLeft']));
    });
    it('a bed freed by EndStay goes to the first on the list within seconds; the second waits; cancelling the first hands the bed on', () =>
      stories.waitingList());

    it('nobody puts a referral on a list it does not own, nor on two lists', async () => {
      const a = await fullInstitution('ELDERLY_CARE_INSTITUTION', 'CARE_HOME', ['NURSING'], 1);
      const b = await fullInstitution('ELDERLY_CARE_INSTITUTION', 'CARE_HOME', ['NURSING'], 1);
      const id = await draft(await d.patient(d.planner, d.assessed(3)), 'CARE_HOME', ['NURSING']);
      const offers = await submit(id, [{ institutionId: a.id }, { institutionId: b.id }]);
      const toA = offers.find((o) => o.targetInstitutionId === a.id)!;
      const toB = offers.find((o) => o.targetInstitutionId === b.id)!;
      // b on a's offer, the origin, the district coordinator: all refused, nothing written
      expect((await b.c.post(`/referrals/${id}/offers/${toA.offerId}/waitlist`)).status).toBe(403);
      expect((await d.planner.post(`/referrals/${id}/offers/${toA.offerId}/waitlist`)).status).toBe(403);
      expect((await d.dc.post(`/referrals/${id}/offers/${toA.offerId}/waitlist`)).status).toBe(403);
      expect(await list(a)).toEqual([]);
      await ok(a.c.post(`/referrals/${id}/offers/${toA.offerId}/waitlist`), 'a lists it');
      const second = await b.c.post(`/referrals/${id}/offers/${toB.offerId}/waitlist`);
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('ALREADY_EXISTS');
      expect(await list(b)).toEqual([]);
      // the backstop: the database refuses a second live entry written around the application
      await expect(
        e.ds.query(
          `INSERT INTO waiting_list_entries (id, referral_id, institution_id, state, added_at, added_by) VALUES (gen_random_uuid(), $1, $2, 'WAITING', now(), 'sql')`,
          [id, b.id],
        ),
      ).rejects.toThrow(/waiting_list_one_live_per_referral/);
      // a hostile body is refused whole
      const [o] = await submit(await draft(await d.patient(d.planner, d.assessed(3)), 'COMMUNITY', ['REHAB']), [{ institutionId: d.cc2 }]).then(
        async (offers) => offers,
      );
      const ref = (await e.ds.query(`SELECT referral_id FROM offers WHERE id = $1`, [o.offerId]))[0].referral_id;
      expect((await d.cc2c.post(`/referrals/${ref}/offers/${o.offerId}/waitlist`, { entryId: 'x' })).status).toBe(400);
      expect((await d.cc2c.post(`/referrals/${ref}/offers/${o.offerId}/waitlist`, { institutionId: b.id })).status).toBe(400);
      // a hospital keeps no waiting list: an upward referral's target may not list it
      const patient = await d.patient(d.cc1c);
      const up = (
        await ok(
          d.cc1c.post('/referrals', {
            patientId: patient,
            requestedKind: 'HOSPITAL',
            services: ['ACUTE'],
            urgency: 'URGENT',
            clinicalSummary: 'fever',
            consent: true,
          }),
          'up',
        )
      ).referralId as string;
      const [uo] = (await ok(d.cc1c.post(`/referrals/${up}/submit`, { targets: [{ institutionId: d.hospital }] }), 'submit up')).offers;
      expect((await d.planner.post(`/referrals/${up}/offers/${uo.offerId}/waitlist`)).body.code).toBe('VALIDATION_FAILED');
    });

    it('two care homes listing the same referral at the same moment: one list wins, the other gets 409', async () => {
      const a = await fullInstitution('ELDERLY_CARE_INSTITUTION', 'CARE_HOME', ['NURSING'], 1);
      const b = await fullInstitution('ELDERLY_CARE_INSTITUTION', 'CARE_HOME', ['NURSING'], 1);
      for (let i = 0; i < 3; i++) {
        const id = await draft(await d.patient(d.planner, d.assessed(3)), 'CARE_HOME', ['NURSING']);
        const offers = await submit(id, [{ institutionId: a.id }, { institutionId: b.id }]);
        const replies = await Promise.all(
          [a, b].map((inst) => inst.c.post(`/referrals/${id}/offers/${offers.find((o) => o.targetInstitutionId === inst.id)!.offerId}/waitlist`)),
        );
        expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
        const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM waiting_list_entries WHERE referral_id = $1`, [id]);
        expect(n).toBe(1);
      }
    });

    it('list positions under parallel joins; two beds freeing at once offer two different referrals once each', async () => {
      const centre = await fullInstitution('COMMUNITY_HEALTH_CENTRE', 'COMMUNITY', ['REHAB'], 3);
      // six referrals joining the list at the same moment: six distinct positions, in the order they committed
      const ids = await Promise.all(Array.from({ length: 6 }, () => waitlisted(centre, 'COMMUNITY', ['REHAB'])));
      const joined = await list(centre);
      expect(joined.map((w) => w.position)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(new Set(joined.map((w) => w.referralId))).toEqual(new Set(ids));

      // two beds reopened in parallel requests
      await Promise.all(centre.beds.slice(0, 2).map((b) => ok(centre.c.post(`/beds/${b}/status`, { command: 'Reopen' }), 'reopen')));
      const after = await eventually(
        () => list(centre),
        (l) => l.filter((w) => w.state === 'OFFERED').length === 2,
        15_000,
      );
      // the first two on the list, one bed each; the rest wait in order
      expect(after.slice(0, 2).map((w) => w.referralId)).toEqual(joined.slice(0, 2).map((w) => w.referralId));
      expect(new Set(after.slice(0, 2).map((w) => w.offeredBedId))).toEqual(new Set(centre.beds.slice(0, 2)));
      expect(after.slice(2).every((w) => w.state === 'WAITING')).toBe(true);

      // the coordinator pressing "offer from the list" five times at once for the third bed: one offer
      await ok(centre.c.post(`/beds/${centre.beds[2]}/status`, { command: 'Reopen' }), 'reopen third');
      const presses = await Promise.all(Array.from({ length: 5 }, () => centre.c.post(`/beds/${centre.beds[2]}/offer-from-waiting-list`)));
      expect(presses.every((p) => p.status === 200)).toBe(true);
      const settled = await eventually(
        () => list(centre),
        (l) => l.filter((w) => w.state === 'OFFERED').length === 3,
        15_000,
      );
      expect(settled[2]).toMatchObject({ referralId: joined[2].referralId, offeredBedId: centre.beds[2] });
      await expectListInvariants();
      // another institution may not dispatch this centre's bed
      expect((await d.cc1c.post(`/beds/${centre.beds[2]}/offer-from-waiting-list`)).status).toBe(403);
    });

    it('property: beds freeing in parallel batches and referrals cancelled meanwhile never offer a bed twice or a referral twice, and follow the list order', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            waiting: fc.integer({ min: 2, max: 4 }),
            beds: fc.integer({ min: 1, max: 3 }),
            cancel: fc.array(fc.nat(3), { maxLength: 2 }),
          }),
          async ({ waiting, beds, cancel }) => {
            const centre = await fullInstitution('COMMUNITY_HEALTH_CENTRE', 'COMMUNITY', ['REHAB'], beds);
            const ids: string[] = [];
            for (let i = 0; i < waiting; i++) ids.push(await waitlisted(centre, 'COMMUNITY', ['REHAB']));
            const cancelled = new Set(cancel.filter((i) => i < waiting).map((i) => ids[i]));
            // cancellations race the beds reopening
            await Promise.all([
              ...[...cancelled].map((id) => ok(d.planner.post(`/referrals/${id}/cancel`, { reason: 'race' }), 'cancel')),
              ...centre.beds.map((b) => ok(centre.c.post(`/beds/${b}/status`, { command: 'Reopen' }), 'reopen')),
            ]);
            const remaining = ids.filter((id) => !cancelled.has(id));
            const expectOffered = Math.min(beds, remaining.length);
            const l = await eventually(
              () => list(centre),
              (x) => x.filter((w) => w.state === 'OFFERED').length === expectOffered,
              20_000,
            );
            // the offered ones are the first of the list still live, each with its own bed
            expect(l.map((w) => w.referralId)).toEqual(remaining);
            expect(l.slice(0, expectOffered).every((w) => w.state === 'OFFERED')).toBe(true);
            expect(new Set(l.filter((w) => w.offeredBedId).map((w) => w.offeredBedId)).size).toBe(expectOffered);
            await expectListInvariants();
          },
        ),
        { numRuns: PROPERTY_RUNS },
      );
    });

    /** What the database holds, whatever the HTTP answers said. */
    async function expectListInvariants() {
      const [bedTwice] = await e.ds.query(`SELECT bed_id FROM waiting_list_entries WHERE state = 'OFFERED' GROUP BY bed_id HAVING count(*) > 1`);
      expect(bedTwice).toBeUndefined();
      const [refTwice] = await e.ds.query(
        `SELECT referral_id FROM waiting_list_entries WHERE state IN ('WAITING', 'OFFERED') GROUP BY referral_id HAVING count(*) > 1`,
      );
      expect(refTwice).toBeUndefined();
      // no referral holds two live offers to one institution, and every OFFERED entry's offer is live
      const [twoOffers] = await e.ds.query(
        `SELECT referral_id FROM offers WHERE state IN ('PENDING', 'VIEWED') GROUP BY referral_id, target_institution_id HAVING count(*) > 1`,
      );
      expect(twoOffers).toBeUndefined();
      const [dead] = await e.ds.query(
        `SELECT w.id FROM waiting_list_entries w JOIN offers o ON o.id = w.offer_id WHERE w.state = 'OFFERED' AND o.state NOT IN ('PENDING', 'VIEWED')`,
      );
      expect(dead).toBeUndefined();
    }
  });

  describe('6. KPIs per institution and reason', () => {
    beforeAll(async () => {
      await stories.familyRefusal();
      await stories.noShow();
      await stories.waitingList();
    }, 120_000);
    const day = (offsetDays: number) => new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10); // Shanghai's date

    it('the report’s figures equal counts made directly with SQL, as JSON and as CSV', async () => {
      const from = day(-1);
      const to = day(0);
      const rep = await ok(d.dc.get(`/reports/kpis?from=${from}&to=${to}`), 'report');
      expect(rep.districtId).toBe(d.district);
      const start = new Date(`${from}T00:00:00+08:00`);
      const end = new Date(new Date(`${to}T00:00:00+08:00`).getTime() + 86_400_000);
      expect(rep.from).toBe(start.toISOString());
      expect(rep.toExclusive).toBe(end.toISOString());

      // the same figures, counted here from the tables
      const offers = await e.ds.query(
        `SELECT o.target_institution_id AS id, o.state, o.declined_by, o.decline_reason, o.created_at, o.answered_at, o.referral_id
           FROM offers o JOIN institutions i ON i.id = o.target_institution_id
          WHERE i.district_id = $1 AND o.created_at >= $2 AND o.created_at < $3`,
        [d.district, start, end],
      );
      const submitted = new Map<string, number>(
        (await e.ds.query(`SELECT aggregate_id, min(occurred_at) AS at FROM audit_log WHERE event_type = 'ReferralSubmitted' GROUP BY 1`)).map((r: any) => [
          r.aggregate_id,
          new Date(r.at).getTime(),
        ]),
      );
      const mean = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length / 1000) * 10) / 10 : null);
      const institutions: any[] = await e.ds.query(`SELECT id FROM institutions WHERE district_id = $1`, [d.district]);
      expect(rep.institutions).toHaveLength(institutions.length);
      let sawPatientDecline = false;
      for (const row of rep.institutions) {
        const mine = offers.filter((o: any) => o.id === row.institutionId);
        const accepted = mine.filter((o: any) => o.state === 'ACCEPTED' || o.state === 'REVOKED');
        const provider = mine.filter((o: any) => o.state === 'DECLINED' && o.declined_by === 'PROVIDER');
        const patient = mine.filter((o: any) => o.state === 'DECLINED' && o.declined_by === 'PATIENT');
        const answered = [...accepted, ...provider, ...patient];
        const reasons: Record<string, number> = {};
        for (const o of provider) reasons[o.decline_reason] = (reasons[o.decline_reason] ?? 0) + 1;
        const admitted = await e.ds.query(
          `SELECT x.referral_id, x.ended_at FROM reservations x JOIN offers o ON o.id = x.offer_id
            WHERE x.institution_id = $1 AND x.state = 'CONSUMED' AND o.created_at >= $2 AND o.created_at < $3`,
          [row.institutionId, start, end],
        );
        const entries = await e.ds.query(`SELECT state, added_at, ended_at FROM waiting_list_entries WHERE institution_id = $1`, [row.institutionId]);
        const inRange = (t: Date | null) => t !== null && new Date(t) >= start && new Date(t) < end;
        const ended = entries.filter((w: any) => inRange(w.ended_at));
        const means = {
          avgFirstResponseSeconds: mean(answered.map((o: any) => new Date(o.answered_at).getTime() - new Date(o.created_at).getTime())),
          avgTimeToAcceptanceSeconds: mean(accepted.map((o: any) => new Date(o.answered_at).getTime() - submitted.get(o.referral_id)!)),
          avgTimeToAdmissionSeconds: mean(admitted.map((x: any) => new Date(x.ended_at).getTime() - submitted.get(x.referral_id)!)),
          avgWaitSeconds: mean(ended.map((w: any) => new Date(w.ended_at).getTime() - new Date(w.added_at).getTime())),
        };
        // means are rounded to 0.1 s on both sides: compare within that, and null with null
        for (const [k, v] of Object.entries(means)) {
          if (v === null) expect([k, row[k]]).toEqual([k, null]);
          else expect(Math.abs(row[k] - v)).toBeLessThanOrEqual(0.11);
        }
        expect(row).toEqual({
          institutionId: row.institutionId,
          code: expect.any(String),
          name: expect.any(String),
          districtId: d.district,
          offers: mine.length,
          accepted: accepted.length,
          declinedByProvider: provider.length,
          declinedByPatient: patient.length,
          slaBreaches: mine.filter((o: any) => o.state === 'EXPIRED').length,
          transportNoShows: (
            await e.ds.query(
              // the hold in force when the window passed names the receiver
              `SELECT DISTINCT r.id FROM referrals r, reservations x, LATERAL (SELECT (r.transport->>'noShowAt')::timestamptz AS t) n
                WHERE x.referral_id = r.id AND x.institution_id = $1 AND n.t >= $2 AND n.t < $3
                  AND x.created_at <= n.t AND coalesce(x.ended_at, 'infinity') >= n.t`,
              [row.institutionId, start, end],
            )
          ).length,
          declineReasons: reasons,
          avgFirstResponseSeconds: row.avgFirstResponseSeconds,
          avgTimeToAcceptanceSeconds: row.avgTimeToAcceptanceSeconds,
          admissions: admitted.length,
          avgTimeToAdmissionSeconds: row.avgTimeToAdmissionSeconds,
          waitingNow: entries.filter((w: any) => w.state === 'WAITING' || w.state === 'OFFERED').length,
          waitlisted: entries.filter((w: any) => inRange(w.added_at)).length,
          leftWaitingList: ended.length,
          placedFromWaitingList: ended.filter((w: any) => w.state === 'PLACED').length,
          avgWaitSeconds: row.avgWaitSeconds,
        });
        if (row.institutionId === d.cc1 && row.declinedByPatient > 0) sawPatientDecline = true;
      }
      // the family refusal of story 3 is in the report, as the patient's decline, not cc1's
      expect(sawPatientDecline).toBe(true);
      const cc1 = rep.institutions.find((r: any) => r.institutionId === d.cc1);
      expect(cc1.declineReasons.PATIENT_OR_FAMILY_DECLINED).toBeUndefined();
      // the ambulance of story 4 that never came is counted against the receiving centre
      expect(cc1.transportNoShows).toBeGreaterThanOrEqual(1);
      // the waiting lists of story 5 show
      expect(rep.institutions.some((r: any) => r.placedFromWaitingList > 0 && r.avgWaitSeconds !== null)).toBe(true);

      // CSV: the same rows; one institution only with the filter
      const csv = await d.dc.get(`/reports/kpis?from=${from}&to=${to}&format=csv`);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (csv.body as string).trim().split('\r\n');
      const header = lines[0].split(',');
      expect(lines).toHaveLength(rep.institutions.length + 1);
      const byId = new Map(lines.slice(1).map((l) => [l.split(',')[0], l.split(',')]));
      for (const row of rep.institutions) {
        const cells = byId.get(row.institutionId)!;
        expect(Number(cells[header.indexOf('offers')])).toBe(row.offers);
        expect(Number(cells[header.indexOf('declinedByPatient')])).toBe(row.declinedByPatient);
        expect(Number(cells[header.indexOf('decline_STAFFING')])).toBe(row.declineReasons.STAFFING ?? 0);
      }
      const one = await ok(d.dc.get(`/reports/kpis?from=${from}&to=${to}&institutionId=${d.cc1}`), 'one');
      expect(one.institutions).toEqual([cc1]);
    });

    it('the report is the district’s: institutions, other districts and bad ranges are refused', async () => {
      expect((await d.planner.get(`/reports/kpis?from=${day(-1)}&to=${day(0)}`)).status).toBe(403);
      expect((await d.carec.get(`/reports/kpis?from=${day(-1)}&to=${day(0)}`)).status).toBe(403);
      const other = client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'elsewhere' }));
      expect((await other.get(`/reports/kpis?from=${day(-1)}&to=${day(0)}&institutionId=${d.cc1}`)).status).toBe(404);
      expect((await d.dc.get(`/reports/kpis?from=${day(0)}&to=${day(-2)}`)).body.code).toBe('VALIDATION_FAILED');
      expect((await d.dc.get(`/reports/kpis?from=2026-02-30&to=2026-03-01`)).status).toBe(400);
      expect((await d.dc.get(`/reports/kpis?from=2020-01-01&to=2026-01-01`)).status).toBe(400);
      expect((await d.dc.get(`/reports/kpis?from=${day(0)}&to=${day(0)}&format=xlsx`)).status).toBe(400);
      expect((await d.dc.get(`/reports/kpis?to=${day(0)}`)).status).toBe(400);
    });

    it('Prometheus: per institution and district, reasons apart by who declined, as many series as institutions (bounded)', async () => {
      const auditor = client(e.baseUrl, e.token('AUDITOR', null, { districtId: d.district }));
      const text = (await auditor.get('/metrics')).body as string;
      const [cc1] = await e.ds.query(`SELECT code FROM institutions WHERE id = $1`, [d.cc1]);
      const rep = await ok(d.dc.get(`/reports/kpis?from=2000-01-01&to=2000-12-31`), 'empty range');
      expect(rep.institutions.every((r: any) => r.offers === 0)).toBe(true);
      const line = (name: string, labels: string) => text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
      const patient = line(
        'bedlink_institution_declines_total',
        `district="${d.district}",institution="${cc1.code}",reason="PATIENT_OR_FAMILY_DECLINED",declined_by="PATIENT"`,
      );
      expect(Number(patient?.split(' ')[1])).toBeGreaterThanOrEqual(1);
      expect(text).toMatch(/bedlink_institution_waiting_list_length\{district="[^"]+",institution="[^"]+"\} \d+/);
      expect(text).toMatch(/bedlink_institution_mean_seconds\{district="[^"]+",institution="[^"]+",measure="first_response"\} [\d.]+/);
      // one label set per institution: no ids, no free text
      const institutionsLabelled = new Set([...text.matchAll(/bedlink_institution_offers_total\{district="[^"]+",institution="([^"]+)"/g)].map((m) => m[1]));
      const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM institutions`);
      expect(institutionsLabelled.size).toBeLessThanOrEqual(Math.min(n, 201));
    });
  });
});
