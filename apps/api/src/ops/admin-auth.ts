import { NextFunction, Request, Response } from 'express';
import { TokenVerifier } from '@bedlink/auth';

/**
 * Gate for the queue dashboard (an Express router outside Nest's guards). Same credentials as the
 * API — a bearer JWT checked by the API's verifier (signature, expiry, issuer keys) — and only for
 * the roles in ADMIN_ROLES. Browsers prompt for HTTP Basic, so the token may also come as the Basic
 * password (any user name). No credentials: 401 with a Basic challenge; a token that does not
 * verify: 401; a valid token of another role: 403. A shared static secret is not enough: it names
 * nobody and cannot be withdrawn from one person.
 */
export function adminOnly(verifier: TokenVerifier, roles: readonly string[]) {
  const challenge = (res: Response, message: string) =>
    res.status(401).setHeader('WWW-Authenticate', 'Basic realm="bedlink-admin", charset="UTF-8"').json({ code: 'UNAUTHENTICATED', message });
  return (req: Request, res: Response, next: NextFunction): void => {
    const h = req.headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(h);
    const bearer = /^Bearer\s+(\S+)$/i.exec(h);
    if (!basic && !bearer) {
      challenge(res, 'the queue dashboard needs an administrator token');
      return;
    }
    let token = '';
    if (bearer) token = bearer[1];
    else {
      const decoded = Buffer.from(basic![1], 'base64').toString('utf8');
      token = decoded.slice(decoded.indexOf(':') + 1);
    }
    verifier.verify(token).then(
      (actor) => {
        if (!roles.includes(actor.role)) {
          res.status(403).json({ code: 'FORBIDDEN', message: 'the queue dashboard is for administrators only' });
          return;
        }
        next();
      },
      () => challenge(res, 'the token is invalid or expired'),
    );
  };
}
