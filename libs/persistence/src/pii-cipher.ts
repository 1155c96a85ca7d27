import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for patient identifiers at rest, and an HMAC-SHA256 "blind index" so a resident
 * ID can be looked up without decrypting every row. Both keys derive from one configured secret.
 * Stored form: v1.<iv>.<tag>.<ciphertext>, base64url.
 */
export class PiiCipher {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;

  constructor(secret: string) {
    const master = Buffer.from(secret, secret.length === 64 && /^[0-9a-f]+$/i.test(secret) ? 'hex' : 'utf8');
    if (master.length < 32) throw new Error('PII_KEY must be at least 32 bytes');
    this.encKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'bedlink-pii-enc', 32));
    this.macKey = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), 'bedlink-pii-mac', 32));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.encKey, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt(stored: string): string {
    const [v, iv, tag, ct] = stored.split('.');
    if (v !== 'v1') throw new Error('unknown PII cipher version');
    const d = createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
  }

  /**
   * Binary form for files: 0x01 | iv (12) | tag (16) | ciphertext. `aad` binds the ciphertext to
   * what it belongs to (a document id): a blob copied under another id fails to decrypt.
   */
  encryptBytes(plain: Buffer, aad: string): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.encKey, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([Buffer.from([1]), iv, c.getAuthTag(), ct]);
  }

  decryptBytes(stored: Buffer, aad: string): Buffer {
    if (stored.length < 29 || stored[0] !== 1) throw new Error('unknown document cipher version');
    const d = createDecipheriv('aes-256-gcm', this.encKey, stored.subarray(1, 13));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(stored.subarray(13, 29));
    return Buffer.concat([d.update(stored.subarray(29)), d.final()]);
  }

  blindIndex(value: string): string {
    return createHmac('sha256', this.macKey).update(value.trim().toUpperCase()).digest('hex');
  }
}
