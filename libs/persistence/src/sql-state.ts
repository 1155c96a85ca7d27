/**
 * The SQLSTATE of a pg or TypeORM error, and the classes of it that need nothing but the error. No imports:
 * the connection code (data-source.ts, prepared-client.ts) uses it, and it is loaded where the workspace's
 * path aliases are not (the test suites' global setup migrates the template database with it).
 */
export function sqlState(e: unknown): string | undefined {
  const err = e as { code?: unknown; driverError?: { code?: unknown } };
  const code = err?.driverError?.code ?? err?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * 0A000 "cached plan must not change result type": a prepared statement (prepared-client.ts) outlived a
 * migration that changed its table. It is prepared anew on the next try, so the unit of work retries it
 * like a serialization failure.
 */
export function isStalePlan(e: unknown): boolean {
  if (sqlState(e) !== '0A000') return false;
  const err = e as { message?: string; driverError?: { message?: string } };
  return /cached plan must not change result type/.test(err?.driverError?.message ?? err?.message ?? '');
}
