import { createHash, randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Request, Response } from 'express';
import { DOCUMENT_SCANNER, DOCUMENT_STORE, DocumentScanner, DocumentStore, ReferralDocuments } from '@bedlink/application';
import { correlationIdOf, ENV_CONFIG, EnvConfig } from '@bedlink/config';
import { DocumentView, MarkMessagesReadDto, MessageView, NeedMoreInfoDto, PostMessageDto } from '@bedlink/contracts';
import { Actor, DomainError } from '@bedlink/domain';
import { ThreadReads } from '@bedlink/persistence';
import { ApiCommand, ApiErrors, COMMAND_ERRORS, READ_ERRORS } from '../http/api-docs';
import { CurrentActor } from '../http/auth';
import { CommandRunner } from '../http/command-runner';
import { contentDisposition, safeFilename, sniff } from './sniff';

const uuid = new ParseUUIDPipe();

/** The upload route: its body is raw bytes (bootstrap parses it as such, whatever Content-Type says). */
export const DOCUMENT_UPLOAD_PATH = /^\/referrals\/[^/?]+\/documents\/?(\?|$)/;

/**
 * Files and threads around a referral. An upload is checked (size, type sniffed from the bytes,
 * virus-scan hook), encrypted and stored before the AttachDocument command records it: the bytes
 * never ride the command queue. Downloads are audited reads (see ReferralDocuments).
 */
@ApiTags('referrals')
@ApiBearerAuth()
@Controller('referrals')
export class DocumentsController {
  constructor(
    private readonly commands: CommandRunner,
    private readonly threads: ThreadReads,
    private readonly documents: ReferralDocuments,
    @Inject(DOCUMENT_STORE) private readonly store: DocumentStore,
    @Inject(DOCUMENT_SCANNER) private readonly scanner: DocumentScanner,
    @Inject(ENV_CONFIG) private readonly cfg: EnvConfig,
  ) {}

  @Post(':id/documents')
  @ApiOperation({
    summary: 'Attach a file (PDF, PNG/JPEG/GIF/WebP/TIFF, HL7 CDA XML, FHIR JSON) to the caller’s referral: the body is the file itself',
    description:
      'The media type is sniffed from the bytes (Content-Type is ignored); empty files, files over DOCUMENT_MAX_BYTES and files the scanner flags are refused. The name comes from ?filename= (or a percent-encoded X-Filename header) and is cleaned of paths and control characters.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'filename', required: false })
  @ApiQuery({ name: 'description', required: false })
  @ApiHeader({ name: 'X-Filename', required: false, description: 'Percent-encoded UTF-8 file name (instead of ?filename=)' })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiCommand(true)
  @ApiErrors(415)
  async upload(
    @Param('id', uuid) id: string,
    @Query('filename') filenameQuery: string | undefined,
    @Query('description') description: string | undefined,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    // refused (404 unknown, 403 not the origin) before a byte is kept
    await this.threads.access(a, id, 'AttachDocument');
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (bytes.length === 0) throw new DomainError('DOCUMENT_EMPTY', 'the file is empty (0 bytes)');
    if (bytes.length > this.cfg.DOCUMENT_MAX_BYTES)
      throw new DomainError('PAYLOAD_TOO_LARGE', `a document is at most ${this.cfg.DOCUMENT_MAX_BYTES} bytes`, { max: this.cfg.DOCUMENT_MAX_BYTES });
    let rawName = filenameQuery;
    const header = req.header('x-filename');
    if (rawName === undefined && header !== undefined) {
      try {
        rawName = decodeURIComponent(header);
      } catch {
        throw new DomainError('VALIDATION_FAILED', 'X-Filename must be percent-encoded UTF-8');
      }
    }
    if (typeof rawName !== 'string' && rawName !== undefined) throw new DomainError('VALIDATION_FAILED', 'one filename, please');
    if (description !== undefined && (typeof description !== 'string' || description.length > 500))
      throw new DomainError('VALIDATION_FAILED', 'description is one text of at most 500 characters');
    const filename = safeFilename(rawName);
    const mediaType = await sniff(bytes);
    const verdict = await this.scanner.scan(bytes, { filename, mediaType });
    if (!verdict.clean) throw new DomainError('DOCUMENT_INFECTED', `the virus scanner refused this file: ${verdict.threat}`, { threat: verdict.threat });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const desc = description?.trim() || null;
    const documentId = this.documentIdFor(a, id, req.header('idempotency-key'), { sha256, filename, description: desc });
    await this.store.put(documentId, bytes);
    let result: Record<string, unknown>;
    try {
      result = await this.commands.run(
        'AttachDocument',
        { referralId: id, documentId, filename, mediaType, size: bytes.length, sha256, storage: this.store.kind, description: desc },
        a,
        req,
        res,
        { created: true },
      );
    } catch (e) {
      // nothing refers to this blob: the id is this request's own (see documentIdFor)
      await this.store.delete(documentId).catch(() => undefined);
      throw e;
    }
    return result;
  }

  /**
   * A fresh id, or with an Idempotency-Key one derived from the caller, the key and everything the
   * command will carry: a retry of the same upload names the same document (same command, same
   * blob, the first answer), while the same key with another file or name gets another id, so its
   * refusal (422 IDEMPOTENCY_KEY_REUSED) deletes only its own blob, never the first upload's.
   */
  private documentIdFor(a: Actor, referralId: string, key: string | undefined, what: { sha256: string; filename: string; description: string | null }): string {
    if (!key) return randomUUID();
    const h = createHash('sha256')
      .update(JSON.stringify([a.userId, a.institutionId ?? null, referralId, key, what.sha256, what.filename, what.description]))
      .digest();
    h[6] = (h[6] & 0x0f) | 0x40; // version 4 layout, variant 10: an ordinary uuid to every parser
    h[8] = (h[8] & 0x3f) | 0x80;
    const x = h.subarray(0, 16).toString('hex');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }

  @Get(':id/documents')
  @ApiOperation({ summary: 'The files of a referral (origin, and targets with a live or accepted offer)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: [DocumentView] })
  @ApiErrors(...READ_ERRORS)
  list(@Param('id', uuid) id: string, @CurrentActor() a: Actor) {
    return this.threads.documents(a, id);
  }

  @Get(':id/documents/:documentId')
  @ApiOperation({ summary: 'Download one file (audited: each download is a DocumentDownloaded record in the referral’s hash-chained trail)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'documentId', format: 'uuid' })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The file, as its sniffed media type, as an attachment' })
  @ApiErrors(...READ_ERRORS)
  async download(
    @Param('id', uuid) id: string,
    @Param('documentId', uuid) documentId: string,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const correlationId = (req as Request & { correlationId?: string }).correlationId ?? correlationIdOf(req, res);
    const { document, bytes } = await this.documents.download(a, id, documentId, correlationId);
    res.status(200);
    res.setHeader('Content-Type', document.mediaType);
    res.setHeader('Content-Length', String(bytes.length));
    res.setHeader('Content-Disposition', contentDisposition(document.filename));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // opened in a browser tab anyway, a file can run nothing against the API's origin
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('X-Document-Sha256', document.sha256);
    res.end(bytes);
  }

  @Get(':id/messages')
  @ApiOperation({ summary: 'The threads of a referral: the origin reads all (or ?target=), a target its own' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiQuery({ name: 'target', required: false, description: 'institution id: one thread (origin only)' })
  @ApiOkResponse({ type: [MessageView] })
  @ApiErrors(...READ_ERRORS)
  messages(@Param('id', uuid) id: string, @Query('target') target: string | undefined, @CurrentActor() a: Actor) {
    if (target !== undefined && (typeof target !== 'string' || !/^[0-9a-f-]{36}$/i.test(target)))
      throw new DomainError('VALIDATION_FAILED', 'target must be an institution id (uuid)');
    return this.threads.messages(a, id, target);
  }

  @Post(':id/messages')
  @ApiOperation({ summary: 'Write in a thread (FHIR Communication); the origin’s reply resumes a clock paused by NEED_MORE_INFO' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand(true)
  post(@Param('id', uuid) id: string, @Body() dto: PostMessageDto, @CurrentActor() a: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.commands.run('PostMessage', { referralId: id, messageId: randomUUID(), ...dto, kind: 'MESSAGE' }, a, req, res, { created: true });
  }

  @Post(':id/offers/:offerId/need-more-info')
  @ApiOperation({ summary: 'Answer an offer "need more information": a message to the origin; the district policy decides whether the deadline pauses' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'offerId', format: 'uuid' })
  @ApiCommand(true)
  needMoreInfo(
    @Param('id', uuid) id: string,
    @Param('offerId', uuid) offerId: string,
    @Body() dto: NeedMoreInfoDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.commands.run('PostMessage', { referralId: id, offerId, messageId: randomUUID(), text: dto.text, kind: 'NEED_MORE_INFO' }, a, req, res, {
      created: true,
    });
  }

  @Post(':id/messages/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Read receipt: everything sent to the caller in the thread up to a message is read' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiCommand()
  @ApiErrors(...COMMAND_ERRORS)
  read(
    @Param('id', uuid) id: string,
    @Body() dto: MarkMessagesReadDto,
    @CurrentActor() a: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.commands.run('MarkMessagesRead', { referralId: id, ...dto }, a, req, res);
  }
}
