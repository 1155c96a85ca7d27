import { CommandJob, CommandOutcome } from './catalogue';

/** AES-256-GCM string cipher (the persistence layer's PiiCipher, keyed for jobs). */
export interface StringCipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

/** What a command job looks like in Redis: the name and an opaque, authenticated envelope. */
export interface SealedCommandJob {
  type: CommandJob['type'];
  /** AES-GCM of the whole CommandJob plus its job id: unreadable and unforgeable without the key. */
  sealed: string;
  /** Hash of type + payload (no identifier in clear), compared when an Idempotency-Key is reused. */
  fingerprint: string;
}

/** A command's result as stored in Redis (job hash and the queue's event stream). */
export interface SealedOutcome {
  sealed: string;
  /** When the worker took the job, sent COMMIT, had it committed, finished (epoch ms; no content). */
  stages?: Record<string, number>;
}

export class JobSignatureError extends Error {
  readonly code = 'JOB_SIGNATURE_INVALID';
}

/**
 * Redis holds command jobs and their results; anyone who can read or write Redis (a dashboard, a
 * backup, a neighbour on the network) must neither read patient identifiers there nor inject a
 * command as somebody else. So the job body is encrypted with AES-256-GCM under a server key: the
 * GCM tag is the signature over the actor and everything else, and the job id inside the envelope
 * stops a genuine envelope from being replayed under another id.
 */
export class JobSeal {
  constructor(private readonly cipher: StringCipher) {}

  seal(jobId: string, job: CommandJob): SealedCommandJob {
    return { type: job.type, sealed: this.cipher.encrypt(JSON.stringify({ jobId, job })), fingerprint: job.fingerprint };
  }

  /** The job as the API made it; throws JobSignatureError for anything the key did not seal for this id. */
  open(jobId: string, data: unknown): CommandJob {
    const sealed = (data as Partial<SealedCommandJob> | null)?.sealed;
    if (typeof sealed !== 'string') throw new JobSignatureError('command job has no signature (not sealed by the API or engine)');
    let inner: { jobId?: unknown; job?: CommandJob };
    try {
      inner = JSON.parse(this.cipher.decrypt(sealed));
    } catch {
      throw new JobSignatureError('command job signature is invalid');
    }
    if (inner.jobId !== jobId || !inner.job || inner.job.type !== (data as SealedCommandJob).type)
      throw new JobSignatureError('command job signature is for another job');
    return inner.job;
  }

  sealOutcome(jobId: string, outcome: CommandOutcome): SealedOutcome {
    return { sealed: this.cipher.encrypt(JSON.stringify({ jobId, outcome })) };
  }

  openOutcome(jobId: string, stored: unknown): CommandOutcome {
    const sealed = (stored as Partial<SealedOutcome> | null)?.sealed;
    if (typeof sealed !== 'string') throw new JobSignatureError('command result is not sealed');
    const inner = JSON.parse(this.cipher.decrypt(sealed)) as { jobId: string; outcome: CommandOutcome };
    if (inner.jobId !== jobId) throw new JobSignatureError('command result is for another job');
    return inner.outcome;
  }
}

export const JOB_SEAL = Symbol('JOB_SEAL');
