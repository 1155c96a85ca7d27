import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { generateSecret, generateURI, verifySync } from 'otplib';
import { ChangePasswordDto, EnableTotpDto, LoginDto } from '@bedlink/contracts';
import { ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { Actor, DomainError, normaliseUsername } from '@bedlink/domain';
import { AccountForLogin, PiiCipher, SessionInfo, UserSessions } from '@bedlink/persistence';
import { ApiErrors, AUTHED } from '../http/api-docs';
import { CurrentActor, Public } from '../http/auth';
import { CommandRunner } from '../http/command-runner';
import { CookieAuth } from './cookie-auth';
import { OIDC_COOKIE, OidcSignIn } from './oidc';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '@bedlink/auth';

const TOTP_PENDING_MS = 10 * 60_000;

/**
 * Sign-in for people (the console): username and password with lockout and an optional TOTP second
 * factor, or OpenID Connect when an identity provider is configured. Both end in a session cookie.
 * Machines keep bearer tokens and API keys; nothing here changes them.
 */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  private readonly seal: PiiCipher;
  constructor(
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
    private readonly sessions: UserSessions,
    private readonly cookies: CookieAuth,
    private readonly oidc: OidcSignIn,
    private readonly commands: CommandRunner,
  ) {
    this.seal = new PiiCipher(cfg.PII_KEY);
  }

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with username and password (and TOTP code when on); sets the session cookie and answers the CSRF token' })
  @ApiErrors(400, 401, 423, 500, 503)
  @ApiOkResponse({ description: 'signed in: the actor and the CSRF token; the session cookie is set' })
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const username = normaliseUsername(dto.username);
    // Counted before the check, for known and unknown names alike: the lockout neither leaks who exists nor yields to parallel guesses.
    const slot = await this.sessions.reserveAttempt(username, this.cfg.LOGIN_MAX_FAILURES, this.cfg.LOGIN_LOCK_MINUTES);
    if (!slot.allowed) {
      res.setHeader('Retry-After', String(slot.retryAfterSec));
      throw new DomainError('ACCOUNT_LOCKED', 'too many failed sign-ins for this username; wait, or ask the district administrator to unlock it', {
        retryAfterSec: slot.retryAfterSec,
      });
    }
    const account = await this.sessions.accountByUsername(username);
    // Unknown users cost the same Argon2 verification as known ones (see verifyPassword).
    const ok = await verifyPassword(account?.passwordHash ?? null, dto.password);
    if (!ok || !account || account.disabled) throw new DomainError('UNAUTHENTICATED', 'the username or the password is wrong');
    if (account.totpSecretEnc) {
      if (!dto.totp) throw new DomainError('TOTP_REQUIRED', 'enter the 6-digit code of your authenticator');
      if (!this.totpOk(account.totpSecretEnc, dto.totp)) throw new DomainError('UNAUTHENTICATED', 'the code is wrong or has expired');
    }
    await this.sessions.clearAttempts(username);
    return this.startSession(req, res, account);
  }

  private totpOk(secretEnc: string, code: string): boolean {
    try {
      return verifySync({ secret: this.seal.decrypt(secretEnc), token: code, epochTolerance: 30 }).valid;
    } catch {
      return false;
    }
  }

  private async startSession(req: Request, res: Response, a: AccountForLogin) {
    const actor: Actor = { userId: a.username, role: a.role, institutionId: a.institutionId, districtId: a.districtId };
    const s = await this.cookies.start(req, res, { actor, displayName: a.displayName, via: 'PASSWORD', userAccountId: a.id });
    return { actor, displayName: a.displayName, via: 'PASSWORD', totp: !!a.totpSecretEnc, ...s };
  }

  @Get('session')
  @ApiOperation({ summary: 'Who the caller is (session, token or API key); for a session also a fresh CSRF token' })
  @ApiOkResponse({ description: 'the actor' })
  @ApiErrors(...AUTHED)
  async session(@CurrentActor() actor: Actor, @Req() req: Request & { sessionInfo?: SessionInfo }, @Res({ passthrough: true }) res: Response) {
    const info = req.sessionInfo;
    if (!info) return { actor, displayName: actor.userId, via: 'TOKEN' };
    const account = info.userAccountId ? await this.sessions.accountById(info.userAccountId) : null;
    return {
      actor,
      displayName: info.displayName,
      via: info.via,
      totp: !!account?.totpSecretEnc,
      expiresAt: info.expiresAt,
      csrfToken: this.cookies.csrfToken(req, res),
    };
  }

  @Post('logout')
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session of this browser (revoked server-side) and clear its cookies' })
  @ApiResponse({ status: 204, description: 'signed out (also when there was no session)' })
  @ApiErrors(500, 503)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.cookies.end(req, res);
  }

  /** The caller's own account: a session's, or the account named like a token's subject. */
  private async ownAccount(actor: Actor): Promise<AccountForLogin> {
    const a = await this.sessions.accountByUsername(actor.userId);
    if (!a || a.disabled) throw new DomainError('NOT_FOUND', 'the caller has no sign-in account');
    return a;
  }

  @Post('password')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change one’s own password (audited: ChangeOwnPassword); every other session of the account ends' })
  @ApiErrors(400, 401, 403, 404, 423, 500, 503)
  @ApiOkResponse({ description: 'the password is changed' })
  async changePassword(@Body() dto: ChangePasswordDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const a = await this.ownAccount(actor);
    const slot = await this.sessions.reserveAttempt(a.username, this.cfg.LOGIN_MAX_FAILURES, this.cfg.LOGIN_LOCK_MINUTES);
    if (!slot.allowed) throw new DomainError('ACCOUNT_LOCKED', 'too many wrong passwords for this account; wait, or ask the administrator');
    if (!(await verifyPassword(a.passwordHash, dto.currentPassword)))
      throw new DomainError('VALIDATION_FAILED', 'the current password is wrong', { fields: ['currentPassword'] });
    await this.sessions.clearAttempts(a.username);
    checkPasswordPolicy(dto.newPassword, a.username);
    const out = await this.commands.execute('ChangeOwnPassword', { userAccountId: a.id, passwordHash: await hashPassword(dto.newPassword) }, actor, req);
    // This browser stays signed in, on a new session (the old one ended with the old password).
    if (this.cookies.sessionId(req)) return { ...out, ...(await this.startSession(req, res, (await this.sessions.accountById(a.id)) as AccountForLogin)) };
    return out;
  }

  @Post('totp/setup')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new TOTP secret for one’s authenticator (not on yet): the otpauth URI and a sealed `pending` to confirm with' })
  @ApiErrors(401, 404, 500)
  @ApiOkResponse({ description: 'the otpauth URI, the secret and the sealed pending setup' })
  async totpSetup(@CurrentActor() actor: Actor) {
    const a = await this.ownAccount(actor);
    const secret = generateSecret();
    const uri = generateURI({ secret, label: a.username, issuer: 'Bedlink' });
    return { secret, uri, pending: this.seal.encrypt(JSON.stringify({ s: secret, u: a.id, at: Date.now() })) };
  }

  @Post('totp/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Turn TOTP on with a current code (audited: SetOwnTotp); sign-ins then need the code' })
  @ApiErrors(400, 401, 404, 500, 503)
  @ApiOkResponse({ description: 'TOTP is on' })
  async totpEnable(@Body() dto: EnableTotpDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const a = await this.ownAccount(actor);
    let p: { s: string; u: string; at: number };
    try {
      p = JSON.parse(this.seal.decrypt(dto.pending));
    } catch {
      throw new DomainError('VALIDATION_FAILED', 'pending is not one /auth/totp/setup gave', { fields: ['pending'] });
    }
    if (p.u !== a.id || Date.now() - p.at > TOTP_PENDING_MS)
      throw new DomainError('VALIDATION_FAILED', 'that setup is not yours or has expired; start again', { fields: ['pending'] });
    const enc = this.seal.encrypt(p.s);
    if (!this.totpOk(enc, dto.code))
      throw new DomainError('VALIDATION_FAILED', 'the code does not match; check the authenticator’s clock', { fields: ['code'] });
    const out = await this.commands.execute('SetOwnTotp', { userAccountId: a.id, totpSecretEnc: enc }, actor, req);
    if (this.cookies.sessionId(req)) return { ...out, ...(await this.startSession(req, res, (await this.sessions.accountById(a.id)) as AccountForLogin)) };
    return out;
  }

  @Get('oidc')
  @Public()
  @ApiOperation({ summary: 'Whether OpenID Connect sign-in is configured (the console shows its button then)' })
  @ApiOkResponse({ description: '{ enabled, loginUrl }' })
  @ApiErrors(500)
  oidcInfo() {
    return { enabled: this.oidc.enabled, loginUrl: this.oidc.enabled ? '/auth/oidc/login' : null };
  }

  @Get('oidc/login')
  @Public()
  @ApiOperation({ summary: 'Start OpenID Connect sign-in: redirects to the identity provider' })
  @ApiResponse({ status: 302, description: 'to the identity provider' })
  @ApiErrors(500, 503)
  async oidcLogin(@Res() res: Response): Promise<void> {
    const { url, sealed } = await this.oidc.begin();
    // Lax, not Strict: the identity provider's redirect back is a top-level cross-site navigation.
    res.cookie(OIDC_COOKIE, sealed, { ...this.cookies.cookieOptions(), sameSite: 'lax', maxAge: 10 * 60_000, path: '/auth/oidc' });
    res.redirect(302, url);
  }

  @Get('oidc/callback')
  @Public()
  @ApiOperation({ summary: 'The identity provider’s redirect back: starts a session and returns to the console' })
  @ApiResponse({ status: 302, description: 'to the console (signed in, or to its sign-in screen with the error code)' })
  @ApiErrors(500)
  async oidcCallback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const sealed = req.cookies?.[OIDC_COOKIE];
    res.clearCookie(OIDC_COOKIE, { ...this.cookies.cookieOptions(), sameSite: 'lax', path: '/auth/oidc' });
    try {
      const { actor, displayName } = await this.oidc.finish(req, sealed);
      await this.cookies.start(req, res, { actor, displayName, via: 'OIDC', userAccountId: null });
      res.redirect(302, '/console/');
    } catch (e) {
      const code = e instanceof DomainError ? e.code : 'UNAUTHENTICATED';
      res.redirect(302, `/console/#/login?error=${encodeURIComponent(code)}`);
    }
  }
}
