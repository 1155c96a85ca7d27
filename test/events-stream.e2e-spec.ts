import { LiveHub } from '../apps/api/src/events/live-stream';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';
import { openStream } from './support/sse';

describe('live event stream (GET /events/stream)', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;

  beforeAll(async () => {
    e = await startEngine({ env: { LIVE_HEARTBEAT_MS: '300' } });
    d = await smallDistrict(e);
  });
  let lingering: Awaited<ReturnType<typeof openStream>> | undefined;
  afterAll(async () => {
    const t0 = Date.now();
    await e?.close();
    expect(Date.now() - t0).toBeLessThan(20_000);
    await lingering?.close();
  });

  it('delivers an offer to its target institution and the district, never to a foreign institution', async () => {
    const url = `${e.baseUrl}/events/stream`;
    const target = await openStream(`${url}?access_token=${e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: d.district })}`);
    const foreign = await openStream(url, { authorization: `Bearer ${e.token('COMMUNITY_COORDINATOR', d.cc2, { districtId: d.district })}` });
    const district = await openStream(`${url}?access_token=${e.token('DISTRICT_COORDINATOR', null, { districtId: d.district })}`);
    const otherDistrict = await openStream(`${url}?access_token=${e.token('DISTRICT_COORDINATOR', null, { districtId: 'd9' })}`);
    expect(target.res.status).toBe(200);
    expect(target.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await eventually(
      async () => target.comments.length + foreign.comments.length,
      (n) => n >= 2,
    );

    const patientId = await d.patient();
    const drafted = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'stable, needs rehab',
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    const id = drafted.referralId as string;
    await ok(d.planner.post(`/referrals/${id}/submit`), 'submit');
    const offer = await ok(d.planner.post(`/referrals/${id}/offers`, { targetInstitutionId: d.cc1 }), 'offer');

    const got = await eventually<any>(async () => target.events.find((x) => x.type === 'OfferExtended' && x.aggregateId === id), Boolean);
    expect(got.payload).toMatchObject({ referralId: id, targetInstitutionId: d.cc1, offerId: offer.offerId });
    await eventually(async () => district.events.some((x) => x.type === 'OfferExtended' && x.aggregateId === id), Boolean);

    // The foreign streams had every chance: a later event both see must arrive first.
    const bed = d.cc2Beds[0];
    await ok(d.cc2c.post(`/beds/${bed}/status`, { command: 'Close', reason: 'maintenance' }), 'close bed');
    await eventually(async () => foreign.events.some((x) => x.type === 'BedStatusChanged' && x.aggregateId === bed), Boolean);
    expect(foreign.events.filter((x) => x.aggregateId === id)).toEqual([]);
    expect(otherDistrict.events).toEqual([]);
    // Nothing that names a patient travels live.
    for (const s of [target, foreign, district]) for (const x of s.events) expect(JSON.stringify(x)).not.toMatch(/residentId|测试患者|13800138000/);

    await Promise.all([target.close(), foreign.close(), district.close(), otherDistrict.close()]);
  });

  it('a stream that reconnects with Last-Event-ID gets what it missed, once, and only what it may see', async () => {
    const url = `${e.baseUrl}/events/stream?access_token=${e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: d.district })}`;
    const first = await openStream(url);
    const seen = await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Replay', label: 'r-0', services: [] }), 'bed 0');
    const last = await eventually<any>(async () => first.events.find((x) => x.type === 'BedRegistered' && x.aggregateId === seen.bedId), Boolean);
    await first.close();

    // while the browser was away: two events it may see, one it may not
    const missed = [
      (await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Replay', label: 'r-1', services: [] }), 'bed 1')).bedId,
      (await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Replay', label: 'r-2', services: [] }), 'bed 2')).bedId,
    ];
    const foreign = (await ok(d.cc2c.post('/beds', { institutionId: d.cc2, kind: 'COMMUNITY', ward: 'Replay', label: 'r-3', services: [] }), 'bed 3')).bedId;

    const again = await openStream(url, { 'last-event-id': last.id });
    const replayed = await eventually(
      async () => again.events.filter((x) => x.type === 'BedRegistered'),
      (xs) => missed.every((b) => xs.some((x) => x.aggregateId === b)),
    );
    // a later event proves the replay is over: then nothing twice, nothing foreign, nothing before the id
    const after = (await ok(d.cc1c.post('/beds', { institutionId: d.cc1, kind: 'COMMUNITY', ward: 'Replay', label: 'r-4', services: [] }), 'bed 4')).bedId;
    await eventually(async () => again.events.some((x) => x.aggregateId === after), Boolean);
    const ids = again.events.map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(again.events.some((x) => x.aggregateId === foreign)).toBe(false);
    expect(again.events.some((x) => x.aggregateId === seen.bedId)).toBe(false);
    expect(replayed.map((x) => x.aggregateId).slice(0, 2)).toEqual(missed);
    await again.close();

    // an id the outbox does not hold (pruned, or made up): the client is told to reload its views
    const unknown = await openStream(url, { 'last-event-id': '00000000-0000-4000-8000-000000000000' });
    await eventually(async () => unknown.events.find((x) => x.reason), Boolean);
    expect(unknown.events[0]).toEqual({ reason: 'unknown Last-Event-ID' });
    await unknown.close();
  });

  it('sends heartbeat comments and forgets a client that disconnects', async () => {
    const hub = e.api.get(LiveHub);
    // The first test's streams are gone once their sockets closed.
    await eventually(
      async () => hub.size,
      (n) => n === 0,
      5000,
    );
    const s = await openStream(`${e.baseUrl}/events/stream`, {
      authorization: `Bearer ${e.token('CARE_HOME_ADMISSIONS', d.care, { districtId: d.district })}`,
    });
    await eventually(
      async () => s.comments.filter((c) => c === ': heartbeat').length,
      (n) => n >= 2,
      5000,
    );
    expect(hub.size).toBe(1);
    await s.close();
    await eventually(
      async () => hub.size,
      (n) => n === 0,
      5000,
    );
  });

  it('accepts ?access_token= on the stream only, and refuses a stream without a valid token', async () => {
    const token = e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district });
    expect(await client(e.baseUrl).get(`/referrals?access_token=${token}`)).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await client(e.baseUrl).get('/events/stream?access_token=forged')).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await client(e.baseUrl).get('/events/stream')).toMatchObject({ status: 401 });
    // Left open on purpose: shutting the API down (afterAll) must end it rather than wait for it.
    lingering = await openStream(`${e.baseUrl}/events/stream?access_token=${token}`);
    expect(lingering.res.status).toBe(200);
  });
});
