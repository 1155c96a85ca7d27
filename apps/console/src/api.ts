// The SSE event shape is the API's own contract; a type-only import, so no server code enters the bundle.
import type { LiveEvent } from '../../../libs/contracts/src/live-event';

export type { LiveEvent };

/** Same-origin API client: bearer token from the session, `{ code, message }` errors as ApiError. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** The error body's details (e.g. why a placement is not eligible), for a translated explanation. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface Claims {
  sub: string;
  role: string;
  inst: string | null;
  dist: string | null;
  name?: string;
  exp?: number;
  /** PASSWORD, OIDC or TOKEN: how this tab signed in. */
  via?: string;
  totp?: boolean;
}

const TOKEN_KEY = 'bedlink.token';
/**
 * How this tab is signed in: a session cookie (http-only, set by /auth/login or the identity
 * provider's return; the CSRF token for writes is kept in memory only), or, for developers, a
 * pasted bearer token kept in this tab's sessionStorage.
 */
let csrfToken: string | null = null;
export const session = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => {
    sessionStorage.removeItem(TOKEN_KEY);
    csrfToken = null;
  },
  setCsrf: (t: string | null | undefined) => {
    csrfToken = t ?? null;
  },
};

interface SessionAnswer {
  actor: { userId: string; role: string; institutionId: string | null; districtId: string | null };
  displayName: string;
  via: string;
  totp?: boolean;
  csrfToken?: string;
}
const claimsOf = (a: SessionAnswer): Claims => ({
  sub: a.actor.userId,
  role: a.actor.role,
  inst: a.actor.institutionId,
  dist: a.actor.districtId,
  name: a.displayName,
  via: a.via,
  totp: a.totp,
});

/** Sign-in with the server's session cookie. */
export const auth = {
  /** The cookie session of this browser, if any (a fresh CSRF token comes with it). */
  async current(): Promise<Claims | null> {
    const res = await fetch('/auth/session', { credentials: 'same-origin' });
    if (!res.ok) return null;
    const a = (await res.json()) as SessionAnswer;
    session.setCsrf(a.csrfToken);
    return claimsOf(a);
  },
  async login(username: string, password: string, totp?: string): Promise<Claims> {
    const a = await call<SessionAnswer>('POST', '/auth/login', { username, password, ...(totp ? { totp } : {}) });
    session.setCsrf(a.csrfToken);
    return claimsOf(a);
  },
  async logout(): Promise<void> {
    await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => undefined);
    session.clear();
  },
  /** After a password change or TOTP setup the server starts a new session: keep its CSRF token. */
  adopt(a: { csrfToken?: string }): void {
    if (a.csrfToken) session.setCsrf(a.csrfToken);
  },
  oidc: () =>
    fetch('/auth/oidc').then((r) => (r.ok ? (r.json() as Promise<{ enabled: boolean; loginUrl: string | null }>) : { enabled: false, loginUrl: null })),
};

/** Reads the claims for the layout only; the API verifies the signature on every call. */
export function decodeClaims(token: string): Claims | null {
  try {
    const part = token.split('.')[1];
    const json = decodeURIComponent(
      atob(part.replace(/-/g, '+').replace(/_/g, '/'))
        .split('')
        .map((c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'))
        .join(''),
    );
    const c = JSON.parse(json);
    if (typeof c.sub !== 'string' || typeof c.role !== 'string') return null;
    return { sub: c.sub, role: c.role, inst: c.inst ?? null, dist: c.dist ?? null, name: c.name, exp: c.exp };
  } catch {
    return null;
  }
}

export function newKey(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function call<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { ...extra };
  const token = session.get();
  if (token) headers.authorization = `Bearer ${token}`;
  else if (csrfToken && method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  // Every write carries an Idempotency-Key, so a double click or a retry acts once.
  if (method !== 'GET') headers['idempotency-key'] = newKey();
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError('NETWORK', e instanceof Error ? e.message : String(e), 0);
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    const b = (parsed ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
    throw new ApiError(b.code ?? 'UNKNOWN', b.message ?? res.statusText, res.status, b.details);
  }
  return parsed as T;
}

export const api = {
  get: <T = any>(p: string) => call<T>('GET', p),
  post: <T = any>(p: string, b: unknown = {}) => call<T>('POST', p, b),
  /** A file's bytes (an audited download) with the name the server gives it. */
  download: async (p: string): Promise<{ blob: Blob; filename: string }> => {
    const headers: Record<string, string> = {};
    const token = session.get();
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(p, { headers, credentials: 'same-origin' }).catch((e: unknown) => {
      throw new ApiError('NETWORK', e instanceof Error ? e.message : String(e), 0);
    });
    if (!res.ok) {
      const b = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      throw new ApiError(b.code ?? 'UNKNOWN', b.message ?? res.statusText, res.status);
    }
    const cd = res.headers.get('content-disposition') ?? '';
    const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    const plain = /filename="([^"]+)"/i.exec(cd);
    return { blob: await res.blob(), filename: star ? decodeURIComponent(star[1]) : (plain?.[1] ?? 'document') };
  },
  /** A file as the request body itself (the API sniffs its type from the bytes). */
  upload: <T = any>(p: string, file: Blob) => {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'idempotency-key': newKey() };
    const token = session.get();
    if (token) headers.authorization = `Bearer ${token}`;
    else if (csrfToken) headers['x-csrf-token'] = csrfToken;
    return fetch(p, { method: 'POST', headers, credentials: 'same-origin', body: file }).then(
      async (res) => {
        const b = (await res.json().catch(() => ({}))) as T & { code?: string; message?: string; details?: Record<string, unknown> };
        if (!res.ok) throw new ApiError(b.code ?? 'UNKNOWN', b.message ?? res.statusText, res.status, b.details);
        return b as T;
      },
      (e: unknown) => {
        throw new ApiError('NETWORK', e instanceof Error ? e.message : String(e), 0);
      },
    );
  },
  /** A read that needs headers, e.g. X-Access-Reason for a patient lookup (the API audits the reason). */
  getWith: <T = any>(p: string, headers: Record<string, string>) => call<T>('GET', p, undefined, headers),
};

/**
 * Optional endpoints other issues add (candidates, journey, programmes): read from the OpenAPI
 * document once, so the console neither guesses nor fills the browser console with 404s.
 */
let paths: Promise<Set<string>> | null = null;
export function apiPaths(): Promise<Set<string>> {
  paths ??= fetch('/docs-json')
    .then((r) => (r.ok ? r.json() : { paths: {} }))
    .then((d: { paths?: Record<string, unknown> }) => new Set(Object.keys(d.paths ?? {})))
    .catch(() => new Set<string>());
  return paths;
}

type Listener = (e: LiveEvent) => void;

/** One EventSource per tab; views subscribe to it. EventSource reconnects by itself. */
export class LiveFeed {
  private es?: EventSource;
  private listeners = new Set<Listener>();
  private statusListeners = new Set<(up: boolean) => void>();
  up = false;

  /** With a pasted token it goes in the query (EventSource sends no headers); a session's cookie goes by itself. */
  start(token: string | null): void {
    this.stop();
    const es = new EventSource(token ? `/events/stream?access_token=${encodeURIComponent(token)}` : '/events/stream');
    es.onopen = () => this.setUp(true);
    es.onerror = () => this.setUp(false);
    es.onmessage = (m) => {
      let e: LiveEvent;
      try {
        e = JSON.parse(m.data) as LiveEvent;
      } catch {
        return;
      }
      for (const l of this.listeners) l(e);
    };
    this.es = es;
  }
  stop(): void {
    this.es?.close();
    this.es = undefined;
    this.setUp(false);
  }
  private setUp(up: boolean): void {
    this.up = up;
    for (const l of this.statusListeners) l(up);
  }
  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  onStatus(l: (up: boolean) => void): () => void {
    this.statusListeners.add(l);
    return () => this.statusListeners.delete(l);
  }
}
export const live = new LiveFeed();
