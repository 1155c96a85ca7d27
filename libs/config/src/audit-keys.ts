import { createHash, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EnvConfig } from './config';

/** A PEM given inline, or the path of a file holding it. */
function pemOf(value: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

export interface AuditKeys {
  /** Absent when only verifying (AUDIT_SIGNING_KEY empty, AUDIT_VERIFY_KEY given): offline verification. */
  signingKey?: KeyObject;
  verifyKey: KeyObject;
  /** Names the verify key in each checkpoint (first 16 hex of the SHA-256 of its SPKI DER), so a rotated key is told apart. */
  keyId: string;
}

export function auditKeys(cfg: EnvConfig): AuditKeys {
  const signingKey = cfg.AUDIT_SIGNING_KEY ? createPrivateKey(pemOf(cfg.AUDIT_SIGNING_KEY)) : undefined;
  if (signingKey && signingKey.asymmetricKeyType !== 'ed25519') throw new Error('AUDIT_SIGNING_KEY must be an Ed25519 private key');
  const verifyKey = cfg.AUDIT_VERIFY_KEY ? createPublicKey(pemOf(cfg.AUDIT_VERIFY_KEY)) : signingKey ? createPublicKey(signingKey) : undefined;
  if (!verifyKey) throw new Error('AUDIT_VERIFY_KEY (or AUDIT_SIGNING_KEY) is required to verify the audit trail');
  if (verifyKey.asymmetricKeyType !== 'ed25519') throw new Error('AUDIT_VERIFY_KEY must be an Ed25519 public key');
  return { signingKey, verifyKey, keyId: auditKeyId(verifyKey) };
}

export function auditKeyId(verifyKey: KeyObject): string {
  return createHash('sha256')
    .update(verifyKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}
