import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { Request, Response } from 'express';
import { AccountReasonDto, CreateUserAccountDto, ResetPasswordDto } from '@bedlink/contracts';
import { Actor, authorize, DomainError, normaliseUsername } from '@bedlink/domain';
import { UserSessions } from '@bedlink/persistence';
import { ApiCommand, ApiErrors, READ_ERRORS } from '../http/api-docs';
import { CurrentActor } from '../http/auth';
import { CommandRunner } from '../http/command-runner';
import { checkPasswordPolicy, hashPassword } from '@bedlink/auth';

/**
 * Sign-in accounts, administered by the district coordinator for its district and its
 * institutions. Every change is an audited command (CreateUserAccount, AdministerUserAccount);
 * passwords are hashed here and never travel further.
 */
@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(
    private readonly sessions: UserSessions,
    private readonly commands: CommandRunner,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a sign-in account for a person of the district (or one of its institutions)' })
  @ApiCommand(true)
  async create(@Body() dto: CreateUserAccountDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    checkPasswordPolicy(dto.password, normaliseUsername(dto.username));
    const payload = {
      id: randomUUID(),
      username: dto.username,
      displayName: dto.displayName,
      role: dto.role,
      institutionId: dto.institutionId ?? null,
      districtId: dto.districtId ?? null,
      passwordHash: await hashPassword(dto.password),
    };
    return this.commands.run('CreateUserAccount', payload, a, req, res, { created: true });
  }

  @Get()
  @ApiOperation({ summary: 'The sign-in accounts of the district (never a hash), with disabled, locked and TOTP flags' })
  @ApiOkResponse({ description: 'the accounts' })
  @ApiErrors(...READ_ERRORS)
  list(@CurrentActor() a: Actor) {
    authorize(a, 'ManageUserAccounts', {});
    return this.sessions.list(a.districtId);
  }

  private async act(id: string, action: string, extra: object, a: Actor, req: Request, res: Response) {
    const out = await this.commands.run('AdministerUserAccount', { userAccountId: id, action, ...extra }, a, req, res);
    // enabling or a new password also lifts a lockout: the administrator has vouched for the person
    if ((action === 'ENABLE' || action === 'RESET_PASSWORD') && typeof out.username === 'string') await this.sessions.unlock(out.username);
    return out;
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable an account: its sessions end at once' })
  @ApiCommand()
  disable(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: AccountReasonDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.act(id, 'DISABLE', { reason: dto.reason }, a, req, res);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled account, and lift a lockout' })
  @ApiCommand()
  enable(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: AccountReasonDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.act(id, 'ENABLE', { reason: dto.reason }, a, req, res);
  }

  @Post(':id/reset-password')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set a new password for an account (its sessions end) and lift a lockout' })
  @ApiCommand()
  async resetPassword(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: ResetPasswordDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const account = await this.sessions.accountById(id);
    if (!account) throw new DomainError('NOT_FOUND', `user account ${id} does not exist`);
    checkPasswordPolicy(dto.password, account.username);
    return this.act(id, 'RESET_PASSWORD', { passwordHash: await hashPassword(dto.password), reason: dto.reason }, a, req, res);
  }

  @Post(':id/reset-totp')
  @HttpCode(200)
  @ApiOperation({ summary: 'Turn an account’s second factor off (a lost phone); the person sets it up again' })
  @ApiCommand()
  resetTotp(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: AccountReasonDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.act(id, 'RESET_TOTP', { reason: dto.reason }, a, req, res);
  }
}
