import { createTestDatabase, dropTestDatabase, Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { eventually } from './support/http';
import { runtimeUrlOf } from './support/global-setup';

jest.setTimeout(120_000);

/**
 * DATABASE_READ_URL: which reads go to the replica. A real streaming replica cannot be made here
 * (the shared server's pg_hba.conf has no `replication` entry and is not ours to change), so the
 * "replica" is a second database that receives nothing: whatever a read finds there is proof of
 * where it went. Lists, boards and FHIR searches find it empty; a command's own result and the
 * referral read by id (read-your-writes) come from the primary.
 */
describe('Read replica (DATABASE_READ_URL)', () => {
  let e: Engine;
  let replicaUrl: string;
  beforeAll(async () => {
    replicaUrl = await createTestDatabase();
    e = await startEngine({ env: { DATABASE_READ_URL: runtimeUrlOf(replicaUrl) } });
  });
  afterAll(async () => {
    await e?.close();
    if (replicaUrl) await dropTestDatabase(replicaUrl);
  });

  it('lists, boards and FHIR searches read the replica; commands and reads by id never do', async () => {
    const d = await smallDistrict(e, 'rr');
    const drafted = await ok(
      d.planner.post('/referrals', {
        patientId: await d.patient(),
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'replica',
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    // read-your-writes: the referral the planner just drafted, by id, from the primary
    const byId = await ok(d.planner.get(`/referrals/${drafted.referralId}`), 'by id');
    expect(byId.referralId ?? byId.id).toBe(drafted.referralId);
    // the primary has the board (projected from the fixture's beds) ...
    await eventually(
      async () => (await e.ds.query(`SELECT count(*)::int AS n FROM bed_board WHERE district_id = 'rr'`))[0].n,
      (n) => n > 0,
    );
    // ... the replica has not caught up (it never will here): these reads went there
    expect((await ok(d.planner.get('/referrals'), 'list')).length ?? 0).toBe(0);
    expect(await ok(d.dc.get('/bed-board?districtId=rr'), 'board')).toEqual([]);
    const bundle = await ok(d.dc.get('/fhir/Task'), 'fhir search');
    expect(bundle.total).toBe(0);
  });
});
