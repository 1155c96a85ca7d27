import { liveInvolvementSql } from '@bedlink/persistence';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';

jest.setTimeout(120_000);

/**
 * An institution's referral list pages each kind of involvement (origin, live or accepted offer,
 * hold) before the union (ReferralReads.list). It must return exactly the page the plain
 * involvement filter gives, for every side, state and page size, including a target whose offer
 * was declined (it lists nothing of that referral any more).
 */
describe('institution referral lists (paged per kind of involvement)', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
    const draft = async () =>
      (
        await ok(
          d.planner.post('/referrals', {
            patientId: await d.patient(),
            requestedKind: 'COMMUNITY',
            services: ['REHAB'],
            urgency: 'ROUTINE',
            clinicalSummary: 'lists',
            careLevel: 3,
            consent: true,
          }),
          'draft',
        )
      ).referralId as string;
    // offered to cc1 (pending), offered to cc1 and declined, offered to cc2, accepted by cc1, a draft
    for (const step of ['pending', 'declined', 'other', 'accepted', 'draft']) {
      const id = await draft();
      if (step === 'draft') continue;
      await ok(d.planner.post(`/referrals/${id}/submit`), 'submit');
      const to = step === 'other' ? d.cc2 : d.cc1;
      const offer = await ok(d.planner.post(`/referrals/${id}/offers`, { targetInstitutionId: to }), 'offer');
      const who = step === 'other' ? d.cc2c : d.cc1c;
      if (step === 'declined') await ok(who.post(`/referrals/${id}/offers/${offer.offerId}/decline`, { reason: 'NO_CAPACITY' }), 'decline');
      if (step === 'accepted') await ok(who.post(`/referrals/${id}/offers/${offer.offerId}/accept`, { bedId: d.cc1Beds[0] }), 'accept');
    }
  });
  afterAll(async () => {
    await e?.close();
  });

  const plain = async (inst: string, side: string, state: string | undefined, limit: number) => {
    const params: unknown[] = [inst, limit];
    const st = state ? ` AND r.state = $${params.push(state)}` : '';
    const where =
      side === 'origin'
        ? `r.origin_institution_id = $1`
        : side === 'target'
          ? `r.origin_institution_id <> $1 AND ${liveInvolvementSql('r', '$1')}`
          : liveInvolvementSql('r', '$1');
    return (await e.ds.query(`SELECT id FROM referrals r WHERE ${where}${st} ORDER BY r.updated_at DESC, r.id LIMIT $2`, params)).map(
      (r: { id: string }) => r.id,
    );
  };

  it('returns the plain involvement filter’s page for every side, state and page size', async () => {
    const who = [
      ['hospital', d.planner, d.hospital],
      ['cc1', d.cc1c, d.cc1],
      ['cc2', d.cc2c, d.cc2],
      ['care home', d.carec, d.care],
    ] as const;
    let nonEmpty = 0;
    for (const [name, c, inst] of who)
      for (const side of ['all', 'target', 'origin'])
        for (const state of [undefined, 'OFFERED', 'ACCEPTED', 'DRAFT'])
          for (const limit of [1, 2, 50]) {
            const q = new URLSearchParams({ side, limit: String(limit), ...(state ? { state } : {}) }).toString();
            const got = ((await ok(c.get(`/referrals?${q}`), `${name} ${q}`)) as { id: string }[]).map((r) => r.id);
            // each referral was written by its own commands, so updated_at has no ties here: the order is defined
            expect([name, side, state, limit, got]).toEqual([name, side, state, limit, (await plain(inst, side, state, 50)).slice(0, limit)]);
            nonEmpty += got.length ? 1 : 0;
          }
    expect(nonEmpty).toBeGreaterThan(20);
    // the declined target lists only its pending and accepted referrals
    expect(((await ok(d.cc1c.get('/referrals'), 'cc1')) as unknown[]).length).toBe(2);
  });
});
