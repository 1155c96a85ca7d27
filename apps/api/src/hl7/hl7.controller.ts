import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { correlationIdOf } from '@bedlink/config';
import { Actor } from '@bedlink/domain';
import { ApiErrors } from '../http/api-docs';
import { CurrentActor } from '../http/auth';
import { ADT_EVENTS, AdtService } from './adt.service';

export const HL7_CONTENT_TYPES = ['text/plain', 'x-application/hl7-v2+er7'];

/**
 * HL7 v2 ADT over HTTP, as the bearer token's institution (the MLLP listener takes the same
 * messages over TCP). Every message is answered with an ACK (HTTP 200): AA done, AE understood but
 * refused, AR not processable. Nothing is changed unless the answer is AA.
 */
@ApiTags('hl7')
@ApiBearerAuth()
@Controller('hl7')
export class Hl7Controller {
  constructor(private readonly adt: AdtService) {}

  @Post('v2')
  @HttpCode(200)
  @ApiOperation({
    summary: `Receive an HL7 v2 ER7 ADT message; answers an ACK (MSA AA/AE/AR echoing MSH-10). ${Object.entries(ADT_EVENTS)
      .map(([e, what]) => `${e}: ${what}`)
      .join('; ')}`,
  })
  @ApiConsumes(...HL7_CONTENT_TYPES)
  @ApiProduces(...HL7_CONTENT_TYPES)
  @ApiBody({
    schema: {
      type: 'string',
      example: 'MSH|^~\\&|HIS|H1|BEDLINK|D1|20261123101500||ADT^A03|MSG0001|P|2.5.1\rEVN|A03|20261123101500\rPID|1||310104194603151234^^^CN-RID^NNCHN||...',
    },
  })
  @ApiResponse({
    status: 200,
    description: 'An ACK: MSH, MSA (AA accepted; AE application error; AR rejected) and, unless AA, ERR with an HL7 table 0357 code',
    schema: { type: 'string' },
  })
  @ApiErrors(401, 413, 500)
  async receive(@Body() body: unknown, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    const type = (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    res.type(type === 'x-application/hl7-v2+er7' ? 'x-application/hl7-v2+er7' : 'text/plain');
    if (typeof body !== 'string' || !HL7_CONTENT_TYPES.includes(type)) return AdtService.reject(`send the ER7 text as ${HL7_CONTENT_TYPES.join(' or ')}`);
    const correlationId = (req as Request & { correlationId?: string }).correlationId ?? correlationIdOf(req);
    return this.adt.handle(body, { actor, correlationId, strictFacility: false });
  }
}
