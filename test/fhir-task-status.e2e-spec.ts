import { Client } from 'fhir-kit-client';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { pick } from './support/stays';

jest.setTimeout(180_000);

/**
 * FHIR Task search by status finds a referral under the status its Task shows: an OFFERED referral
 * that nobody owns yet (a broadcast, two live offers) is `requested`, one offer in hand is
 * `received`. Every status of the lifecycle is searched with fhir-kit-client; each referral is
 * found under exactly one status, the one it shows.
 */
describe('FHIR Task search by status', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let fhir: Client;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e, `fts${Math.floor(Math.random() * 1e6)}`);
    fhir = new Client({ baseUrl: `${e.baseUrl}/fhir`, bearerToken: e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district }) });
  });
  afterAll(() => e?.close());

  const draft = async () =>
    (
      await ok(
        d.planner.post('/referrals', {
          patientId: await d.patient(),
          requestedKind: 'COMMUNITY',
          services: ['REHAB'],
          urgency: 'ROUTINE',
          clinicalSummary: 'fhir search',
          consent: true,
        }),
        'draft',
      )
    ).referralId as string;
  const submit = async (id: string, targets: string[]) =>
    (await ok(d.planner.post(`/referrals/${id}/submit`, targets.length ? { targets: targets.map((institutionId) => ({ institutionId })) } : {}), 'submit'))
      .offers as { offerId: string; targetInstitutionId: string }[];
  const accepted = async (bed: string) => {
    const id = await draft();
    const [o] = await submit(id, [d.cc1]);
    await ok(d.cc1c.post(`/referrals/${id}/offers/${o.offerId}/accept`, { bedId: bed }), 'accept');
    return id;
  };

  it('status=requested finds the submitted and the broadcast-offered referrals; every status finds exactly its own', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const [b1, b2, b3] = pick([...d.cc1Beds], [...d.cc1Beds].reverse());
    const want: Record<string, string[]> = {
      draft: [await draft()],
      requested: [],
      received: [],
      accepted: [await accepted(b1)],
      'in-progress': [],
      completed: [],
      cancelled: [],
      'on-hold': [],
      failed: [],
    };
    const submitted = await draft();
    await submit(submitted, []);
    const broadcast = await draft();
    await submit(broadcast, [d.cc1, d.cc2]);
    want.requested.push(submitted, broadcast);
    const single = await draft();
    await submit(single, [pick(d.cc1, d.cc2)]);
    want.received.push(single);
    const moving = await accepted(b2);
    await ok(d.planner.post(`/referrals/${moving}/start-transfer`), 'transfer');
    want['in-progress'].push(moving);
    const done = await accepted(b3);
    await ok(d.planner.post(`/referrals/${done}/start-transfer`), 'transfer');
    await ok(d.cc1c.post(`/referrals/${done}/confirm-admission`), 'admit');
    want.completed.push(done);
    const cancelled = await draft();
    await ok(d.planner.post(`/referrals/${cancelled}/cancel`, { reason: 'family withdrew consent' }), 'cancel');
    want.cancelled.push(cancelled);
    const escalated = await draft();
    await submit(escalated, []);
    await ok(d.dc.post(`/referrals/${escalated}/escalate`, { reason: 'no capacity' }), 'escalate');
    want['on-hold'].push(escalated);
    const failedId = await draft();
    const [fo] = await submit(failedId, [d.cc2]);
    await ok(d.cc2c.post(`/referrals/${failedId}/offers/${fo.offerId}/accept`, { bedId: d.cc2Beds[0] }), 'accept');
    await ok(d.planner.post(`/referrals/${failedId}/start-transfer`), 'transfer');
    await ok(d.planner.post(`/referrals/${failedId}/abort-transfer`, { reason: 'deteriorated before leaving' }), 'abort');
    want.failed.push(failedId);

    const seen = new Map<string, string>();
    for (const [status, ids] of Object.entries(want)) {
      const bundle: any = await fhir.search({
        resourceType: 'Task',
        searchParams: { status, requester: `Organization/${d.hospital}`, _lastUpdated: `ge${since}`, _count: 50 },
      });
      expect(bundle.resourceType).toBe('Bundle');
      const found = (bundle.entry ?? []).map((x: any) => x.resource);
      // what the search finds shows that status, and is what this story put there
      for (const t of found) expect({ id: t.id, status: t.status }).toEqual({ id: t.id, status });
      expect(found.map((t: any) => t.id).sort()).toEqual([...ids].sort());
      for (const t of found) {
        expect(seen.has(t.id)).toBe(false);
        seen.set(t.id, status);
      }
    }
    // the broadcast shows requested with the engine's state in businessStatus
    const b: any = await fhir.read({ resourceType: 'Task', id: broadcast });
    expect(b).toMatchObject({ status: 'requested', businessStatus: { coding: [{ code: 'OFFERED' }] } });
    // several statuses at once, and a token with its system
    const both: any = await fhir.search({
      resourceType: 'Task',
      searchParams: { status: 'http://hl7.org/fhir/task-status|requested,received', requester: `Organization/${d.hospital}`, _lastUpdated: `ge${since}` },
    });
    expect(both.total).toBe(3);
  });

  it('an unknown status or a foreign system is a 400 OperationOutcome, not an empty page', async () => {
    for (const status of ['offered', 'http://example.org/x|requested']) {
      const r = await fetch(`${e.baseUrl}/fhir/Task?status=${encodeURIComponent(status)}`, {
        headers: { authorization: `Bearer ${e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district })}` },
      });
      expect(r.status).toBe(400);
      expect(((await r.json()) as any).resourceType).toBe('OperationOutcome');
    }
  });
});
