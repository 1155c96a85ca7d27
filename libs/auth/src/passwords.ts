import { hash, verify } from '@node-rs/argon2';
import { DomainError } from '@bedlink/domain';

/**
 * Argon2id (the library's default algorithm) with OWASP's minimum parameters: 19 MiB, 2 passes, 1 lane.
 * Hashing happens in the API process, which received the password; only the hash goes further.
 */
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

/**
 * A hash of nothing anyone knows, verified when the username is unknown, so an unknown user costs
 * the same Argon2 work as a wrong password for a known one: the answer's timing does not tell them apart.
 */
let dummy: Promise<string> | undefined;
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  dummy ??= hash('bedlink-no-such-user', PARAMS);
  const h = stored ?? (await dummy);
  const ok = await verify(h, password).catch(() => false);
  return stored !== null && ok;
}

/** Length over composition rules (NIST SP 800-63B): 10-128 characters, not the username. */
export function checkPasswordPolicy(password: string, username: string): void {
  const fields = { fields: ['password'] };
  if (typeof password !== 'string' || [...password].length < 10) throw new DomainError('VALIDATION_FAILED', 'a password has at least 10 characters', fields);
  if ([...password].length > 128) throw new DomainError('VALIDATION_FAILED', 'a password has at most 128 characters', fields);
  if (password.normalize('NFKC').trim().toLowerCase() === username) throw new DomainError('VALIDATION_FAILED', 'the password must not be the username', fields);
}
