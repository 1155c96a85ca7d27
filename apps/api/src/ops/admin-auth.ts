import { timingSafeEqual, createHash } from 'node:crypto';
import { NextFunction, Request, Response } from 'express';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Gate for the queue dashboard (an Express router outside Nest's guards). The rule: only whoever
 * holds the configured ADMIN_TOKEN, sent as the HTTP Basic password (browsers prompt for it) or
 * as a bearer token. No credentials: 401 with a Basic challenge; anything else (a wrong token,
 * any user's JWT, whatever its role): 403. Without ADMIN_TOKEN the dashboard refuses everyone.
 */
export function adminOnly(adminToken: string | undefined) {
  const want = adminToken ? digest(adminToken) : null;
  return (req: Request, res: Response, next: NextFunction): void => {
    const h = req.headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(h);
    const bearer = /^Bearer\s+(\S+)$/i.exec(h);
    if (!basic && !bearer) {
      res.status(401).setHeader('WWW-Authenticate', 'Basic realm="bedlink-admin", charset="UTF-8"').json({ code: 'UNAUTHENTICATED', message: 'the queue dashboard needs the admin token' });
      return;
    }
    let given = '';
    if (bearer) given = bearer[1];
    else {
      const decoded = Buffer.from(basic![1], 'base64').toString('utf8');
      given = decoded.slice(decoded.indexOf(':') + 1);
    }
    // compare digests: equal length, constant time
    if (!want || !timingSafeEqual(digest(given), want)) {
      res.status(403).json({ code: 'FORBIDDEN', message: 'the queue dashboard is for administrators only' });
      return;
    }
    next();
  };
}
