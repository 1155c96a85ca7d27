import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { WriteBatch } from '../libs/persistence/src/write-batch';
import { Engine, startEngine } from './support/engine';
import { smallDistrict } from './support/fixture';

/**
 * A command's flush is one statement of data-modifying CTEs (WriteBatch). Postgres runs CTEs that nothing
 * reads in an order of its own; the batch reads each in its SELECT list so that they run in the order the
 * unit of work made them. These cases hold the real schema to that: reversed, each one fails.
 */
describe('WriteBatch on the real schema: writes run in the order they were made', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let c: Client;

  beforeAll(async () => {
    e = await startEngine();
    d = await smallDistrict(e);
    c = new Client({ connectionString: e.cfg.DATABASE_URL });
    await c.connect();
  });
  afterAll(async () => {
    await c?.end();
    await e?.close();
  });

  /** Sends the batch's statements in order, as the unit of work's flush does. */
  async function send(batch: WriteBatch): Promise<void> {
    for (const s of batch.statements()) await c.query(s.sql, s.params);
  }

  /** Runs the batch in a transaction that is always rolled back: answers 'ok', or the error. */
  async function inRolledBack(
    batch: WriteBatch,
    setup: (q: Client) => Promise<unknown> = async () => undefined,
  ): Promise<'ok' | { code: string; constraint?: string; detail?: string }> {
    await c.query('BEGIN');
    try {
      await setup(c);
      await send(batch);
      return 'ok';
    } catch (err) {
      const x = err as { code: string; constraint?: string; detail?: string };
      return { code: x.code, ...(x.constraint ? { constraint: x.constraint } : {}), ...(x.detail ? { detail: x.detail } : {}) };
    } finally {
      await c.query('ROLLBACK');
    }
  }

  const occupy = (bed: string, patient: string | null): [string, unknown[]] => [
    `UPDATE beds SET status=$2, occupant_patient_id=$3 WHERE id=$1`,
    [bed, patient ? 'O' : 'U', patient],
  ];

  it('a patient moved from one bed to another in one flush: the bed given up is left first (one bed per occupant)', async () => {
    const patient = await d.patient();
    const [from, to] = d.cc1Beds;
    const setup = (q: Client) => q.query(...occupy(from, patient));
    const inOrder = new WriteBatch();
    inOrder.add(...occupy(from, null));
    inOrder.add(...occupy(to, patient));
    expect(await inRolledBack(inOrder, setup)).toBe('ok');
    // the same two writes the other way round break the unique index: the order is what made it pass
    const reversed = new WriteBatch();
    reversed.add(...occupy(to, patient));
    reversed.add(...occupy(from, null));
    expect(await inRolledBack(reversed, setup)).toMatchObject({ code: '23505', constraint: 'beds_one_bed_per_occupant' });
  });

  it('a trigger of a later write reads what an earlier write of the same flush wrote (an offer copies its referral)', async () => {
    const patient = await d.patient();
    const draft = await d.planner.post('/referrals', {
      patientId: patient,
      requestedKind: 'COMMUNITY',
      services: ['REHAB'],
      urgency: 'ROUTINE',
      clinicalSummary: 'write batch',
      careLevel: 2,
      consent: true,
    });
    const referral = draft.body.referralId as string;
    const before = (await c.query(`SELECT state FROM referrals WHERE id = $1`, [referral])).rows[0].state as string;
    expect(before).toBe('DRAFT');
    // an offer that has ended: the referral's AFTER trigger refreshes live offers only, so what the offer's
    // BEFORE INSERT trigger read when it ran is what stays
    const seenBy = async (order: readonly ('referral' | 'offer')[]) => {
      const offer = randomUUID();
      const b = new WriteBatch();
      for (const w of order)
        if (w === 'referral') b.add(`UPDATE referrals SET state=$2 WHERE id=$1`, [referral, 'FAILED']);
        else
          b.add(`INSERT INTO offers (id, referral_id, target_institution_id, state, rank, created_at) VALUES ($1, $2, $3, 'DECLINED', 1, now())`, [
            offer,
            referral,
            d.cc1,
          ]);
      await c.query('BEGIN');
      try {
        await send(b);
        return (await c.query(`SELECT referral_state FROM offers WHERE id = $1`, [offer])).rows[0].referral_state as string;
      } finally {
        await c.query('ROLLBACK');
      }
    };
    expect(await seenBy(['referral', 'offer'])).toBe('FAILED');
    // the other way round the trigger reads the referral as it was: the order is the batch's, not Postgres'
    expect(await seenBy(['offer', 'referral'])).toBe(before);
  });

  it('raises the version guard inside the statement (BL409), naming the row; a matching version passes', async () => {
    const [a, b] = d.cc2Beds.concat(d.careBeds);
    const version = async (id: string) => (await c.query(`SELECT version FROM beds WHERE id = $1`, [id])).rows[0].version as number;
    const guarded = async (stale: boolean) => {
      const batch = new WriteBatch();
      batch.add(`UPDATE beds SET version=version+1 WHERE id=$1 AND version=$2`, [a, await version(a)], a);
      batch.add(`UPDATE beds SET version=version+1 WHERE id=$1 AND version=$2`, [b, (await version(b)) - (stale ? 1 : 0)], b);
      return inRolledBack(batch);
    };
    expect(await guarded(false)).toBe('ok');
    expect(await guarded(true)).toEqual({ code: 'BL409', detail: b });
  });
});
