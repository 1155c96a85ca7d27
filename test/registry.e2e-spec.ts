import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { inBatches, newPatient, referralWithOffer } from './support/registry-fixture';

const run = promisify(execFile);
jest.setTimeout(240_000);

describe('Registry: home programmes, race-free capacity, journeys, rebuildable board', () => {
  let e: Engine;
  let districts = 0;

  /**
   * Each test has a district of its own (institutions, beds, a HOME_SICKBED programme of 7 at cc2), so
   * none depends on what another left behind and the file passes in any order (jest --randomize).
   */
  async function fresh() {
    const d = await smallDistrict(e, `reg${++districts}`);
    const programme = (
      await ok(
        d.cc2c.post('/programmes', {
          institutionId: d.cc2,
          kind: 'HOME_SICKBED',
          name: '石门二路家庭病床',
          capacity: 7,
          areaCodes: ['SM2-01', 'SM2-02'],
          radiusKm: 5,
          services: ['NURSING'],
        }),
        'programme',
      )
    ).programmeId as string;
    const board = async () => (await ok(d.dc.get('/bed-board'), 'board')) as any[];
    return { d, programme, board };
  }

  beforeAll(async () => {
    e = await startEngine();
  });
  afterAll(async () => {
    await e?.close();
  });

  const row = (rows: any[], institutionId: string, kind: string) => rows.find((r) => r.institutionId === institutionId && r.kind === kind);

  it('a programme is registered with its capacity and refuses a physical kind or another institution type', async () => {
    const { d, programme, board } = await fresh();
    const progs = await ok(d.cc2c.get(`/programmes?institutionId=${d.cc2}`), 'programmes');
    expect(progs).toEqual([
      expect.objectContaining({ id: programme, kind: 'HOME_SICKBED', capacity: 7, used: 0, free: 7, areaCodes: ['SM2-01', 'SM2-02'], radiusKm: 5 }),
    ]);
    expect((await d.cc2c.post('/programmes', { institutionId: d.cc2, kind: 'COMMUNITY', name: 'x', capacity: 1 })).status).toBe(400);
    const wrong = await d.carec.post('/programmes', { institutionId: d.care, kind: 'HOME_SICKBED', name: 'x', capacity: 1 });
    expect(wrong).toMatchObject({ status: 409, body: { code: 'BED_KIND_MISMATCH' } });
    const foreign = await d.cc1c.post('/programmes', { institutionId: d.cc2, kind: 'HOME_SICKBED', name: 'y', capacity: 1 });
    expect(foreign).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    await eventually(board, (rows) => row(rows, d.cc2, 'HOME_SICKBED')?.total === 7 && row(rows, d.cc2, 'HOME_SICKBED')?.free === 7);
  });

  it('50 parallel accepts against a programme with capacity 7: exactly 7 hold a slot, 43 get 409 PROGRAMME_FULL', async () => {
    const { d, programme, board } = await fresh();
    const offers = await inBatches(50, 10, async () =>
      referralWithOffer(
        d.planner,
        await newPatient(d.planner),
        { requestedKind: 'HOME_SICKBED', services: ['NURSING'] },
        { targetInstitutionId: d.cc2, targetProgrammeId: programme },
      ),
    );
    const replies = await Promise.all(offers.map((o) => d.cc2c.post(`/referrals/${o.referralId}/offers/${o.offerId}/accept`, {})));
    const won = replies.filter((r) => r.status === 200);
    expect(won).toHaveLength(7);
    for (const w of won) expect(w.body).toMatchObject({ state: 'ACCEPTED', programmeId: programme });
    const lost = replies.filter((r) => r.status !== 200);
    expect(lost).toHaveLength(43);
    for (const l of lost) expect(l).toMatchObject({ status: 409, body: { code: 'PROGRAMME_FULL' } });
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM reservations WHERE programme_id = $1 AND state = 'HELD'`, [programme]);
    expect(n).toBe(7);
    await eventually(board, (rows) => row(rows, d.cc2, 'HOME_SICKBED')?.reserved === 7 && row(rows, d.cc2, 'HOME_SICKBED')?.free === 0);

    // Capacity cannot drop below what is promised; raising it makes room for one more.
    expect(await d.cc2c.post(`/programmes/${programme}/capacity`, { capacity: 6 })).toMatchObject({ status: 409, body: { code: 'PROGRAMME_FULL' } });
    expect(await ok(d.cc2c.post(`/programmes/${programme}/capacity`, { capacity: 8, reason: 'new nurse' }), 'grow')).toMatchObject({
      capacity: 8,
      used: 7,
      free: 1,
    });
    const loser = offers[replies.findIndex((r) => r.status !== 200)];
    // the loser's offer is still live: it can take the new slot
    expect((await d.cc2c.post(`/referrals/${loser.referralId}/offers/${loser.offerId}/accept`, {})).status).toBe(200);
    // everyone gives their slot back: the slots come free on the board
    const held: any[] = await e.ds.query(`SELECT referral_id FROM reservations WHERE programme_id = $1 AND state = 'HELD'`, [programme]);
    await inBatches(held.length, 8, (i) => ok(d.cc2c.post(`/referrals/${held[i].referral_id}/revoke`, { reason: 'test reset' }), 'revoke'));
    await inBatches(50, 10, (i) => ok(d.planner.post(`/referrals/${offers[i].referralId}/cancel`, { reason: 'test reset' }), 'cancel'));
    await eventually(
      board,
      (rows) =>
        row(rows, d.cc2, 'HOME_SICKBED')?.reserved === 0 && row(rows, d.cc2, 'HOME_SICKBED')?.free === 8 && row(rows, d.cc2, 'HOME_SICKBED')?.total === 8,
    );
  });

  it('50 parallel accepts on one physical bed: exactly 1 holds it, 49 get 409 BED_ALREADY_RESERVED', async () => {
    const { d, board } = await fresh();
    const bedId = d.careBeds[1];
    const offers = await inBatches(50, 10, async () =>
      referralWithOffer(
        d.planner,
        await newPatient(d.planner),
        { requestedKind: 'CARE_HOME', services: ['NURSING'] },
        { targetInstitutionId: d.care, targetBedId: bedId },
      ),
    );
    const replies = await Promise.all(offers.map((o) => d.carec.post(`/referrals/${o.referralId}/offers/${o.offerId}/accept`, { bedId })));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    const lost = replies.filter((r) => r.status !== 200);
    expect(lost).toHaveLength(49);
    for (const l of lost) expect(l).toMatchObject({ status: 409, body: { code: 'BED_ALREADY_RESERVED' } });
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM reservations WHERE bed_id = $1 AND state = 'HELD'`, [bedId]);
    expect(n).toBe(1);
    await inBatches(50, 10, (i) => ok(d.planner.post(`/referrals/${offers[i].referralId}/cancel`, { reason: 'test reset' }), 'cancel'));
    await eventually(board, (rows) => row(rows, d.care, 'CARE_HOME')?.reserved === 0 && row(rows, d.care, 'CARE_HOME')?.free === 2);
  });

  /** One patient HOSPITAL → COMMUNITY → HOME_SICKBED → CARE_HOME → back UP to HOSPITAL in a fresh district, checked at every step. */
  async function journey() {
    const { d, programme, board } = await fresh();
    const patientId = await newPatient(d.planner);
    const move = async (origin: typeof d.planner, target: typeof d.planner, body: Record<string, unknown>, offer: Record<string, string>) => {
      const o = await referralWithOffer(origin, patientId, body, offer as any);
      await ok(target.post(`/referrals/${o.referralId}/offers/${o.offerId}/accept`, {}), 'accept');
      await ok(origin.post(`/referrals/${o.referralId}/start-transfer`), 'transfer');
      expect((await ok(target.post(`/referrals/${o.referralId}/confirm-admission`), 'admit')).state).toBe('COMPLETED');
      return o.referralId;
    };
    const expectBoard = (checks: [string, string, Record<string, number>][]) =>
      eventually(board, (rows) => checks.every(([inst, kind, want]) => Object.entries(want).every(([k, v]) => row(rows, inst, kind)?.[k] === v)));

    const r1 = await move(
      d.planner,
      d.cc1c,
      { requestedKind: 'COMMUNITY', services: ['REHAB'], originBedId: d.hospitalBeds[0] },
      { targetInstitutionId: d.cc1, targetBedId: d.cc1Beds[1] },
    );
    await expectBoard([[d.cc1, 'COMMUNITY', { occupied: 1, free: 2, reserved: 0 }]]);

    const r2 = await move(
      d.cc1c,
      d.cc2c,
      { requestedKind: 'HOME_SICKBED', services: ['NURSING'], originBedId: d.cc1Beds[1] },
      { targetInstitutionId: d.cc2, targetProgrammeId: programme },
    );
    await expectBoard([
      [d.cc1, 'COMMUNITY', { occupied: 0, cleaning: 1, free: 2 }],
      [d.cc2, 'HOME_SICKBED', { occupied: 1, reserved: 0, free: 6, total: 7 }],
    ]);
    expect((await ok(d.cc2c.get(`/bed-board/programmes`), 'pboard')).find((p: any) => p.programmeId === programme)).toMatchObject({
      capacity: 7,
      enrolled: 1,
      free: 6,
    });

    const r3 = await move(
      d.cc2c,
      d.carec,
      { requestedKind: 'CARE_HOME', services: ['NURSING'], originKind: 'HOME_SICKBED' },
      { targetInstitutionId: d.care, targetBedId: d.careBeds[0] },
    );
    await expectBoard([
      [d.cc2, 'HOME_SICKBED', { occupied: 0, free: 7 }],
      [d.care, 'CARE_HOME', { occupied: 1, free: 1 }],
    ]);
    const [{ n: active }] = await e.ds.query(`SELECT count(*)::int AS n FROM enrolments WHERE patient_id = $1 AND ended_at IS NULL`, [patientId]);
    expect(active).toBe(0);

    const r4 = await move(
      d.carec,
      d.planner,
      { requestedKind: 'HOSPITAL', services: [], urgency: 'URGENT', originBedId: d.careBeds[0] },
      { targetInstitutionId: d.hospital, targetBedId: d.hospitalBeds[1] },
    );
    await expectBoard([
      [d.care, 'CARE_HOME', { occupied: 0, cleaning: 1 }],
      [d.hospital, 'HOSPITAL', { occupied: 1 }],
    ]);

    const journey = await eventually(
      () => d.planner.get(`/patients/${patientId}/journey`),
      (r) => r.status === 200 && r.body.stays.length === 5,
    );
    const stays = journey.body.stays;
    expect(stays.map((s: any) => [s.kind, s.institutionId])).toEqual([
      ['HOSPITAL', d.hospital],
      ['COMMUNITY', d.cc1],
      ['HOME_SICKBED', d.cc2],
      ['CARE_HOME', d.care],
      ['HOSPITAL', d.hospital],
    ]);
    expect(stays.map((s: any) => s.referralId)).toEqual([null, r1, r2, r3, r4]);
    expect(stays[0].bedId).toBe(d.hospitalBeds[0]);
    expect(stays[2]).toMatchObject({ programmeId: programme, bedId: null });
    expect(stays[4]).toMatchObject({ bedId: d.hospitalBeds[1], to: null });
    for (let i = 1; i < 5; i++) {
      expect(stays[i].from).not.toBeNull();
      expect(stays[i - 1].to! <= stays[i].from!).toBe(true);
    }
    // a stranger learns nothing
    const other = await d.cc1c.get(`/patients/00000000-0000-4000-8000-000000000000/journey`);
    expect(other.status).toBe(404);
    return d;
  }

  it('one patient HOSPITAL → COMMUNITY → HOME_SICKBED → CARE_HOME → back UP to HOSPITAL: five stays in order, board right at every step', async () => {
    await journey();
  });

  it('npm run projections:rebuild over >= 1,000 events gives a board and journeys identical to the live ones', async () => {
    // movements to rebuild (its own journey: four referrals), then more history: open and close beds until
    // the log holds over 1,000 events, however many the tests before this one (if any) wrote
    const d = await journey();
    const beds = [...d.hospitalBeds, ...d.cc1Beds, ...d.cc2Beds];
    const free = (await ok(d.dc.get('/beds?status=U'), 'beds')).filter((b: any) => beds.includes(b.id) && !b.reserved).map((b: any) => b.id as string);
    const by = (bedId: string) => (d.hospitalBeds.includes(bedId) ? d.planner : d.cc1Beds.includes(bedId) ? d.cc1c : d.cc2c);
    const logged = async () => (await e.ds.query(`SELECT count(*)::int AS n FROM audit_log`))[0].n as number;
    while ((await logged()) < 1000) {
      await Promise.all(free.map((b: string) => ok(by(b).post(`/beds/${b}/status`, { command: 'Close', reason: 'night' }), 'close')));
      await Promise.all(free.map((b: string) => ok(by(b).post(`/beds/${b}/status`, { command: 'Reopen' }), 'reopen')));
    }
    // wait until the live projections have handled every event they subscribe to
    const settled = async () => {
      const [x] = await e.ds.query(
        `SELECT (SELECT count(*) FROM audit_log WHERE event_type = ANY($1))::int AS want, (SELECT count(*) FROM inbox WHERE consumer = 'bed-board')::int AS got,
                (SELECT count(*) FROM audit_log WHERE event_type = ANY($2))::int AS jwant, (SELECT count(*) FROM inbox WHERE consumer = 'journey')::int AS jgot`,
        [
          [
            'BedRegistered',
            'BedStatusChanged',
            'BedReserved',
            'ReservationReleased',
            'ReservationExpired',
            'ProgrammeRegistered',
            'ProgrammeCapacityChanged',
            'PatientEnrolled',
            'EnrolmentEnded',
          ],
          ['TransferStarted', 'PatientAdmitted'],
        ],
      );
      return x;
    };
    await eventually(settled, (x) => x.want === x.got && x.jwant === x.jgot, 60_000, 200);
    const snapshot = async () => ({
      board: await e.ds.query(`SELECT * FROM bed_board ORDER BY institution_id, kind`),
      programmes: await e.ds.query(`SELECT * FROM programme_board ORDER BY programme_id`),
      movements: await e.ds.query(`SELECT * FROM patient_movements ORDER BY referral_id`),
    });
    const live = await snapshot();
    expect(live.board.length).toBeGreaterThanOrEqual(5);
    expect(live.movements.length).toBeGreaterThanOrEqual(4);
    await e.stopWorker(); // nothing consumes while the read models are rebuilt
    await e.ds.query(`UPDATE bed_board SET free = free + 100`); // damage it: the rebuild must not depend on what is there
    const { stdout } = await run('npm', ['run', '-s', 'projections:rebuild'], {
      env: { ...process.env, DATABASE_URL: e.cfg.DATABASE_URL },
      cwd: process.cwd(),
    });
    expect(stdout).toMatch(/bed board rebuilt from \d+ events/);
    const rebuilt = await snapshot();
    expect(rebuilt).toEqual(live);
    await e.startWorker();
  });
});
