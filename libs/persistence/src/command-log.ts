import { DataSource } from 'typeorm';

/** Results of executed commands by idempotency key: they outlive Redis. */
export async function findCommandOutcome(ds: DataSource, commandId: string): Promise<any> {
  const rows = await ds.query(`SELECT ok, result, fingerprint, actor_user FROM command_log WHERE id = $1`, [commandId]);
  if (!rows.length) return null;
  const fingerprint = rows[0].fingerprint ?? undefined;
  const issuedBy = rows[0].actor_user as string;
  return rows[0].ok ? { ok: true, result: rows[0].result, fingerprint, issuedBy } : { ok: false, error: rows[0].result, fingerprint, issuedBy };
}

/**
 * A refused command is final for its key too: a retry gets the same refusal, not a second try.
 * False when the key already had an outcome (the command ran before, e.g. its job was gone from
 * Redis when the client retried): that outcome is the answer, not this refusal.
 */
export async function recordCommandFailure(
  ds: DataSource,
  c: { id: string; type: string; actorUser: string; actorInstitution: string | null; correlationId: string; error: object; fingerprint?: string },
): Promise<boolean> {
  const rows = await ds.query(
    `INSERT INTO command_log (id, command_type, actor_user, actor_institution, ok, result, correlation_id, fingerprint) VALUES ($1, $2, $3, $4, false, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING 1`,
    [c.id, c.type, c.actorUser, c.actorInstitution, JSON.stringify(c.error), c.correlationId, c.fingerprint ?? null],
  );
  return rows.length > 0;
}

/** A command answered 202, kept until its result is in command_log (CommandGateway, lost-write sweeper). */
export async function rememberPendingCommand(ds: DataSource, c: { id: string; type: string; job: object; priority: number }): Promise<void> {
  await ds.query(`INSERT INTO pending_commands (id, command_type, job, priority) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`, [
    c.id,
    c.type,
    JSON.stringify(c.job),
    c.priority,
  ]);
}
