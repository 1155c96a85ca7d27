import { createHash, randomBytes } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { Actor, DomainError } from '@bedlink/domain';
import { CommandGateway, CommandOutcome } from '@bedlink/messaging';
import { CommandLogReads, PII_CIPHER, PiiCipher, ReferralReads } from '@bedlink/persistence';
import { ApiErrors } from '../http/api-docs';
import { CurrentActor } from '../http/auth';
import { CommandRunner } from '../http/command-runner';
import { AckCode, buildAck, Er7Error, field, header, MessageHeader, parseEr7, segment } from './er7';

export const HL7_CONTENT_TYPES = ['text/plain', 'x-application/hl7-v2+er7'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class Refusal extends Error {
  constructor(
    readonly code: AckCode,
    readonly hl7Code: string,
    readonly text: string,
  ) {
    super(text);
  }
}

/**
 * HL7 v2 over HTTP: an ADT^A03 (discharge) for a patient with an ACCEPTED referral from the
 * caller's institution starts the transfer, through the same StartTransfer command as REST.
 * Every message is answered with an ACK (HTTP 200): AA done, AE understood but refused (unknown
 * patient, no accepted referral, the command's refusal), AR not processable (malformed, not an
 * ADT^A03). Nothing is changed unless the answer is AA.
 */
@ApiTags('hl7')
@ApiBearerAuth()
@Controller('hl7')
export class Hl7Controller {
  private readonly log = new Logger('HL7');

  constructor(
    private readonly commands: CommandRunner,
    private readonly commandLog: CommandLogReads,
    private readonly referrals: ReferralReads,
    @Inject(PII_CIPHER) private readonly cipher: PiiCipher,
  ) {}

  @Post('v2')
  @HttpCode(200)
  @ApiOperation({ summary: 'Receive an HL7 v2 ER7 message (ADT^A03 → StartTransfer); answers an ACK (MSA AA/AE/AR echoing MSH-10)' })
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
    let h: MessageHeader = {};
    const ack = (code: AckCode, text: string, errorCode?: string) =>
      buildAck(h, code, { controlId: `BL${randomBytes(8).toString('hex').toUpperCase()}`, now: new Date(), text, errorCode });
    try {
      if (typeof body !== 'string' || !HL7_CONTENT_TYPES.includes(type))
        throw new Refusal('AR', '100', `send the ER7 text as ${HL7_CONTENT_TYPES.join(' or ')}`);
      const msg = parseEr7(body);
      h = header(msg);
      if (!h.controlId) throw new Refusal('AR', '101', 'MSH-10 (message control id) is required');
      if (h.messageCode !== 'ADT') throw new Refusal('AR', '200', `message type ${h.messageCode ?? '(none)'} is not supported (ADT only)`);
      if (h.triggerEvent !== 'A03') throw new Refusal('AR', '201', `event ${h.triggerEvent ?? '(none)'} is not supported (A03 only)`);
      const pid = segment(msg, 'PID');
      if (!pid) throw new Refusal('AR', '100', 'an ADT^A03 needs a PID segment');
      const ids = field(msg, pid, 3)
        .map((rep) => rep[0]?.trim())
        .filter((v): v is string => !!v);
      if (!ids.length) throw new Refusal('AR', '101', 'PID-3 (patient identifier list) is required');

      // A retransmitted message (same sender and MSH-10) gets the first answer, and acts once.
      const key = `hl7:${createHash('sha256')
        .update(`${h.sendingApplication ?? ''}|${h.sendingFacility ?? ''}|${h.controlId}`)
        .digest('hex')
        .slice(0, 40)}`;
      const done: CommandOutcome | null = await this.commandLog.outcome(CommandGateway.commandId(actor, key));
      if (done?.ok) return ack('AA', `referral ${String(done.result.referralId)} ${String(done.result.state)}`);
      if (done && !done.ok) return ack('AE', `${done.error.code}: ${done.error.message}`, '207');
      const referralId = await this.acceptedReferral(actor, ids);
      if (!referralId) throw new Refusal('AE', '204', 'no ACCEPTED referral from your institution for the patient in PID-3');
      const r = await this.commands.execute('StartTransfer', { referralId }, actor, req, { idempotencyKey: key });
      return ack('AA', `referral ${referralId} ${String(r.state)}`);
    } catch (e) {
      if (e instanceof Refusal) return ack(e.code, e.text, e.hl7Code);
      if (e instanceof Er7Error) return ack('AR', e.message, e.hl7Code);
      if (e instanceof DomainError) return ack('AE', `${e.code}: ${e.message}`, '207');
      this.log.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      return ack('AE', 'internal error; the message was not processed', '207');
    }
  }

  /** PID-3 carries the resident ID (found by its blind index) or the engine's patient uuid. */
  private async acceptedReferral(actor: Actor, ids: string[]): Promise<string | undefined> {
    const uuids = ids.filter((i) => UUID.test(i));
    const hashes = ids.filter((i) => !UUID.test(i)).map((i) => this.cipher.blindIndex(i));
    // Only the referring institution discharges; to anyone else the referral does not exist.
    return this.referrals.acceptedForDischarge(actor, uuids, hashes);
  }
}
