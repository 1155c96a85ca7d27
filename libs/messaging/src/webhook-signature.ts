import { createHmac, timingSafeEqual } from 'node:crypto';

/** Receivers should refuse signatures older (or newer) than this: replayed deliveries fail. */
export const WEBHOOK_REPLAY_WINDOW_S = 300;

/**
 * `Bedlink-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is inside the MAC, so it cannot be moved forward to dodge the replay window.
 */
export function signWebhook(secret: string, body: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export type SignatureCheck = { ok: true; t: number } | { ok: false; reason: 'malformed' | 'mismatch' | 'stale' };

/** What a receiver runs (and the tests do): the raw body, not a re-serialised one. */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  nowS = Math.floor(Date.now() / 1000),
  windowS = WEBHOOK_REPLAY_WINDOW_S,
): SignatureCheck {
  const parts = new Map((header ?? '').split(',').map((kv) => kv.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signWebhook(secret, body, t).split('v1=')[1], 'hex');
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return { ok: false, reason: 'mismatch' };
  if (Math.abs(nowS - t) > windowS) return { ok: false, reason: 'stale' };
  return { ok: true, t };
}
