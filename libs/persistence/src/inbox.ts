import { DataSource, EntityManager } from 'typeorm';

/**
 * Exactly-once effect over at-least-once delivery: the handled event id goes into the inbox in
 * the same transaction as the effect. A redelivered event finds its id and does nothing.
 * Returns false when the event had already been handled.
 */
export async function handleOnce(ds: DataSource, consumer: string, eventId: string, effect: (em: EntityManager) => Promise<void>): Promise<boolean> {
  return ds.transaction(async (em) => {
    const inserted = await em.query(`INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING event_id`, [consumer, eventId]);
    if (!inserted.length) return false;
    await effect(em);
    return true;
  });
}

/** One (consumer, event) pair of a batch, as claimInbox() keys it. */
export const inboxKey = (consumer: string, eventId: string): string => `${consumer}\n${eventId}`;

/**
 * The batch form of handleOnce, inside the caller's transaction: every (consumer, event) pair of
 * a batch goes into the inbox in one statement, and the pairs returned (as inboxKey) are the ones
 * not handled before. The caller applies the effects of those, in the same transaction: a crash
 * before its commit leaves neither the inbox rows nor the effects, and the redelivered jobs find
 * nothing recorded.
 */
export async function claimInbox(em: EntityManager, pairs: readonly { consumer: string; eventId: string }[]): Promise<Set<string>> {
  if (!pairs.length) return new Set();
  const rows: { consumer: string; event_id: string }[] = await em.query(
    `INSERT INTO inbox (consumer, event_id)
     SELECT DISTINCT c, e FROM unnest($1::text[], $2::uuid[]) AS p(c, e)
     ON CONFLICT DO NOTHING RETURNING consumer, event_id::text`,
    [pairs.map((p) => p.consumer), pairs.map((p) => p.eventId)],
  );
  return new Set(rows.map((r) => inboxKey(r.consumer, r.event_id)));
}
