import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CommandStatusView } from '@bedlink/contracts';
import { ApiErrors, READ_ERRORS } from './api-docs';
import { Actor, DomainError } from '@bedlink/domain';
import { CommandGateway } from '@bedlink/messaging';
import { CurrentActor } from './auth';
import { COMMAND_GATEWAY } from './command-runner';

@ApiTags('commands')
@ApiBearerAuth()
@Controller('commands')
export class CommandsController {
  constructor(@Inject(COMMAND_GATEWAY) private readonly gateway: CommandGateway) {}

  @Get(':id')
  @ApiOperation({ summary: 'Status and result of a command accepted with 202' })
  @ApiParam({ name: 'id', description: 'X-Command-Id' })
  @ApiOkResponse({ type: CommandStatusView })
  @ApiErrors(...READ_ERRORS)
  async status(@Param('id') id: string, @CurrentActor() a: Actor) {
    if (!/^c[-a-z0-9]{8,80}$/.test(id)) throw new DomainError('VALIDATION_FAILED', 'not a command id');
    // someone else's command looks like an unknown one
    const s = await this.gateway.status(id, a.userId);
    if (!s) throw new DomainError('COMMAND_NOT_FOUND', `command ${id} is unknown (or expired from the queue)`);
    return { commandId: id, ...s };
  }
}
