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

/** One (consumer, event) pair of a batch, as claimInboxAndApplyBedBoard() keys it. */
export const inboxKey = (consumer: string, eventId: string): string => `${consumer}\n${eventId}`;
