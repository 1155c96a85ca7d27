import { Engine, startEngine } from '../support/engine';
import { ok, smallDistrict } from '../support/fixture';
import { client } from '../support/http';

jest.setTimeout(180_000);

type District = Awaited<ReturnType<typeof smallDistrict>>;
type Centre = { id: string; c: ReturnType<typeof client> };

/** Community centres that each receive one offer of a BROADCAST referral. */
async function centres(e: Engine, d: District, n: number, tag: string): Promise<Centre[]> {
  const out: Centre[] = [];
  for (let i = 0; i < n; i++) {
    const id = (
      await ok(
        d.dc.post('/institutions', {
          code: `${tag}${i}-${d.district}`,
          name: `并发社区中心${tag}${i}`,
          type: 'COMMUNITY_HEALTH_CENTRE',
          districtId: d.district,
        }),
        'cc',
      )
    ).institutionId;
    out.push({
      id,
      c: client(e.baseUrl, e.token('COMMUNITY_COORDINATOR', id, { districtId: d.district })),
    });
  }
  return out;
}

const newBed = async (x: Centre) =>
  (
    await ok(
      x.c.post('/beds', {
        institutionId: x.id,
        kind: 'COMMUNITY',
        ward: 'R',
        label: `b${Math.random().toString(36).slice(2, 8)}`,
        services: ['REHAB'],
      }),
      'bed',
    )
  ).bedId as string;

/** A BROADCAST referral offered to every given centre at once; returns its id and each centre's offer id. */
async function broadcast(d: District, targets: { institutionId: string; bedId?: string }[]) {
  const { referralId } = await ok(
    d.planner.post('/referrals', {
      patientId: await d.patient(),
      requestedKind: 'COMMUNITY',
      services: ['REHAB'],
      urgency: 'URGENT',
      strategy: 'BROADCAST',
      fanout: targets.length,
      clinicalSummary: 'rehab after stroke',
      careLevel: 3,
      consent: true,
    }),
    'draft',
  );
  const sub = await ok(d.planner.post(`/referrals/${referralId}/submit`, { targets }), 'submit');
  expect(sub.offers).toHaveLength(targets.length);
  const offerOf = (inst: string) => sub.offers.find((o: any) => o.targetInstitutionId === inst).offerId as string;
  return { referralId: referralId as string, offerOf };
}

/**
 * Busy receivers answer at the same moment. Each story is played ten times: a race that loses
 * only sometimes would pass a single try.
 */
describe('Attack: concurrent answers to one referral', () => {
  let e: Engine;
  let d: District;
  beforeAll(async () => {
    e = await startEngine({ env: { OFFER_WINDOW_URGENT_MS: '600000' } });
    d = await smallDistrict(e, 'conc');
  });
  afterAll(() => e?.close());

  it('three receivers of a BROADCAST decline at once: all answered, every offer DECLINED, the referral escalates (10 tries)', async () => {
    const cs = await centres(e, d, 3, 'DC');
    const bad: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { referralId, offerOf } = await broadcast(
        d,
        cs.map((x) => ({ institutionId: x.id })),
      );
      const answers = await Promise.all(
        cs.map((x) =>
          x.c.post(`/referrals/${referralId}/offers/${offerOf(x.id)}/decline`, {
            reason: 'NO_CAPACITY',
          }),
        ),
      );
      const r = await ok(d.planner.get(`/referrals/${referralId}`), 'read');
      const live = r.offers.filter((o: any) => o.state === 'PENDING' || o.state === 'VIEWED');
      const story = `try ${i}: answers ${answers.map((a) => a.status).join(',')}, state ${r.state}, offers ${r.offers.map((o: any) => o.state).join(',')}`;
      if (
        answers.some((a) => a.status !== 200) ||
        r.state !== 'ESCALATED' ||
        live.length ||
        r.offers.some((o: any) => o.state !== 'DECLINED' || o.declineReason !== 'NO_CAPACITY')
      )
        bad.push(story);
    }
    expect(bad).toEqual([]);
  });

  it('a decline and an accept at the same moment: a 200 decline stays DECLINED with its reason (10 tries)', async () => {
    const [decliner, accepter] = await centres(e, d, 2, 'DA');
    const bad: string[] = [];
    for (let i = 0; i < 10; i++) {
      const bedId = await newBed(accepter);
      const { referralId, offerOf } = await broadcast(d, [{ institutionId: decliner.id }, { institutionId: accepter.id, bedId }]);
      const [dec, acc] = await Promise.all([
        decliner.c.post(`/referrals/${referralId}/offers/${offerOf(decliner.id)}/decline`, { reason: 'STAFFING', text: '本周护士不足' }),
        accepter.c.post(`/referrals/${referralId}/offers/${offerOf(accepter.id)}/accept`, {}),
      ]);
      const r = await ok(d.planner.get(`/referrals/${referralId}`), 'read');
      const declined = r.offers.find((o: any) => o.targetInstitutionId === decliner.id);
      const story = `try ${i}: decline ${dec.status}, accept ${acc.status}, state ${r.state}, declined offer ${declined.state}/${declined.declineReason}`;
      // the accept always wins its own offer; the decline either happened (and is kept) or was refused with 409
      const consistent =
        acc.status === 200 &&
        r.state === 'ACCEPTED' &&
        (dec.status === 200
          ? declined.state === 'DECLINED' && declined.declineReason === 'STAFFING' && declined.declineText === '本周护士不足'
          : dec.status === 409 && declined.state === 'WITHDRAWN');
      if (!consistent) bad.push(story);
      const trail = await e.ds.query(`SELECT event_type, payload FROM audit_log WHERE aggregate_id = $1 AND payload->>'offerId' = $2 ORDER BY aggregate_seq`, [
        referralId,
        declined.id,
      ]);
      const last = trail[trail.length - 1]?.event_type;
      if (last !== (declined.state === 'DECLINED' ? 'OfferDeclined' : 'OfferWithdrawn'))
        bad.push(`${story}: last audit event of the declined offer is ${last}`);
      // free the bed for the next try
      await ok(
        d.planner.post(`/referrals/${referralId}/cancel`, {
          reason: 'next try',
        }),
        'cancel',
      );
    }
    expect(bad).toEqual([]);
  });
});
