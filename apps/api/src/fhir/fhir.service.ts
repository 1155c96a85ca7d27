import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Request } from 'express';
import { AcceptOfferDto, DeclineOfferDto, DraftReferralDto, ExtendOfferDto } from '@bedlink/contracts';
import {
  Actor,
  BED_KINDS,
  CommandName,
  DECLINE_REASONS,
  DISTRICT_ROLES,
  DomainError,
  FHIR_TASK_STATUS,
  notFound,
  REFERRAL_STATES,
  SERVICES,
  Urgency,
} from '@bedlink/domain';
import { BedEntity, FhirReads, HeldBed, ReferralReads, TaskStatusFilter, ThreadReads, UpdatedBound } from '@bedlink/persistence';
import { CommandRunner } from '../http/command-runner';
import {
  CS,
  EXT,
  Json,
  ReferralView,
  searchset,
  toCommunication,
  toDocumentReference,
  toLocation,
  toOfferTask,
  toOrganization,
  toPatient,
  toServiceRequest,
  toTask,
  URGENCY_OF,
} from './fhir-mappers';
import { PatientRecords } from '@bedlink/application';
import { applyJsonPatch } from './json-patch';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type Query = Record<string, string | string[] | undefined>;

const bad = (message: string, details?: Record<string, unknown>) => new DomainError('VALIDATION_FAILED', message, details);
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `Organization/{id}`, `{id}` or an absolute URL ending in `Organization/{id}` → id. */
function refId(type: string, value: unknown): string | undefined {
  const s = typeof value === 'string' ? value : (value as { reference?: string } | undefined)?.reference;
  if (!s) return undefined;
  const m = new RegExp(`(?:^|/)${type}/([^/]+)$`).exec(s) ?? (UUID.test(s) ? [s, s] : null);
  if (!m || !UUID.test(m[1])) throw bad(`${s} is not a ${type} reference of this server`);
  return m[1];
}

/** A deterministic UUID from the caller and its Idempotency-Key, so a retried POST names the same referral. */
function uuidFrom(actor: Actor, key: string): string {
  const h = createHash('sha256')
    .update(`${actor.userId}\n${actor.institutionId ?? ''}\n${key}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function validated<T extends object>(cls: new () => T, payload: object, what: string): Promise<T> {
  const dto = plainToInstance(cls, payload);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw bad(`${what}: ${errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ')}`, { fields: errors.map((e) => e.property) });
  return payload as T;
}

/** FHIR `_lastUpdated` (prefixes eq, gt, ge, lt, le) → SQL conditions on updated_at. */
function lastUpdated(values: string[]): UpdatedBound[] {
  const out: UpdatedBound[] = [];
  for (const raw of values) {
    const m = /^(eq|gt|ge|lt|le)?(\d{4}(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?)$/.exec(raw);
    if (!m) throw bad(`_lastUpdated=${raw} is not a FHIR date search value`);
    const op = m[1] ?? 'eq';
    const text = m[2];
    const start = new Date(
      text.length === 4 ? `${text}-01-01T00:00:00Z` : text.length === 7 ? `${text}-01T00:00:00Z` : text.length === 10 ? `${text}T00:00:00Z` : text,
    );
    if (Number.isNaN(Number(start))) throw bad(`_lastUpdated=${raw} is not a valid date`);
    // The value names a range as wide as its precision.
    const end = new Date(start);
    if (text.length === 4) end.setUTCFullYear(end.getUTCFullYear() + 1);
    else if (text.length === 7) end.setUTCMonth(end.getUTCMonth() + 1);
    else if (text.length === 10) end.setUTCDate(end.getUTCDate() + 1);
    else end.setTime(end.getTime() + (/\.\d/.test(text) ? 1 : 1000));
    if (op === 'eq') out.push({ op: '>=', at: start }, { op: '<', at: end });
    else if (op === 'gt') out.push({ op: '>=', at: end });
    else if (op === 'ge') out.push({ op: '>=', at: start });
    else if (op === 'lt') out.push({ op: '<', at: start });
    else out.push({ op: '<', at: end });
  }
  return out;
}

function paging(q: Query): { count: number; offset: number } {
  const count = one(q._count) === undefined ? 20 : Number(one(q._count));
  const offset = one(q._offset) === undefined ? 0 : Number(one(q._offset));
  if (!Number.isInteger(count) || count < 0 || count > 200) throw bad('_count must be an integer 0..200');
  if (!Number.isInteger(offset) || offset < 0) throw bad('_offset must be a non-negative integer');
  return { count, offset };
}

/** self and next links that repeat only the parameters the server honoured. */
function links(base: string, type: string, honoured: Array<[string, string]>, count: number, offset: number, total: number) {
  const url = (o: number) => {
    const p = new URLSearchParams([...honoured, ['_count', String(count)], ['_offset', String(o)]]);
    return `${base}/${type}?${p.toString()}`;
  };
  return { self: url(offset), next: offset + count < total ? url(offset + count) : null };
}

const TASK_STATUS_SYSTEM = 'http://hl7.org/fhir/task-status';
const REFERRAL_STATES_OF_STATUS = new Map<string, string[]>();
for (const s of REFERRAL_STATES) REFERRAL_STATES_OF_STATUS.set(FHIR_TASK_STATUS[s], [...(REFERRAL_STATES_OF_STATUS.get(FHIR_TASK_STATUS[s]) ?? []), s]);

/** FHIR R4 facade over the same read side and the same command path as REST. */
@Injectable()
export class FhirService {
  constructor(
    private readonly reads: FhirReads,
    private readonly queries: ReferralReads,
    private readonly commands: CommandRunner,
    private readonly patients: PatientRecords,
    private readonly threads: ThreadReads,
  ) {}

  // ------------------------------------------------------------------ reads
  private async referral(actor: Actor, id: string): Promise<ReferralView> {
    if (!UUID.test(id)) throw notFound('REFERRAL_NOT_FOUND', 'Task', id);
    return (await this.queries.get(actor, id)) as unknown as ReferralView;
  }

  /** A Task id is a referral id or an offer id (the offer's child Task). */
  private async taskTarget(actor: Actor, id: string): Promise<{ view: ReferralView; offerId?: string }> {
    if (!UUID.test(id)) throw notFound('REFERRAL_NOT_FOUND', 'Task', id);
    const referralId = await this.queries.referralIdOfOffer(id);
    if (referralId) {
      try {
        return { view: await this.referral(actor, referralId), offerId: id };
      } catch {
        throw notFound('REFERRAL_NOT_FOUND', 'Task', id);
      }
    }
    return { view: await this.referral(actor, id) };
  }

  async readTask(actor: Actor, id: string): Promise<Json> {
    const { view, offerId } = await this.taskTarget(actor, id);
    if (offerId) return toOfferTask(view, offerId);
    // the referral's files, for those who may fetch them (district roles read the Task, not the files)
    const documents = await this.threads.documents(actor, id).catch(() => []);
    return toTask(view, documents);
  }

  async readDocumentReference(actor: Actor, id: string, publicUrl: string): Promise<Json> {
    const d = UUID.test(id) ? await this.threads.document(actor, id) : null;
    if (!d) throw notFound('DOCUMENT_NOT_FOUND', 'DocumentReference', id);
    return toDocumentReference(d, publicUrl);
  }

  async readCommunication(actor: Actor, id: string): Promise<Json> {
    const m = UUID.test(id) ? await this.threads.message(actor, id) : null;
    if (!m) throw notFound('NOT_FOUND', 'Communication', id);
    return toCommunication(m);
  }

  /** The messages of a referral Task the caller may read (its own thread, or every thread for the origin). */
  async searchCommunications(actor: Actor, q: Query, base: string): Promise<Json> {
    const partOf = typeof q['part-of'] === 'string' ? /^(?:Task\/)?([0-9a-f-]{36})$/i.exec(q['part-of']) : null;
    if (!partOf) throw new DomainError('VALIDATION_FAILED', 'search Communication by part-of=Task/{referral id}');
    const referralId = partOf[1];
    const r = await this.threads.access(actor, referralId, 'ReadMessages');
    const ms = await this.threads.messages(actor, referralId);
    const self = `${base}/Communication?part-of=Task/${referralId}`;
    return searchset(
      base,
      self,
      null,
      ms.length,
      ms.map((m) => toCommunication({ ...m, referralId, patientId: r.patientId })),
    );
  }

  async readServiceRequest(actor: Actor, id: string): Promise<Json> {
    return toServiceRequest(await this.referral(actor, id));
  }

  async searchTasks(actor: Actor, q: Query, base: string): Promise<Json> {
    const { count, offset } = paging(q);
    const honoured: Array<[string, string]> = [];
    const partOf = one(q['part-of']);
    if (partOf) {
      // The offers of one referral, as its child Tasks.
      const view = await this.referral(actor, refId('Task', partOf)!);
      const all = [...view.offers].map((o) => toOfferTask(view, o.id));
      honoured.push(['part-of', partOf]);
      const l = links(base, 'Task', honoured, count, offset, all.length);
      return searchset(base, l.self, l.next, all.length, all.slice(offset, offset + count));
    }
    const filter: { taskStatus?: TaskStatusFilter; requester?: string; owner?: string; updated?: UpdatedBound[] } = {};
    const status = one(q.status);
    if (status) {
      // Matched as the Task shows it: OFFERED is `requested` until one institution owns it, then
      // `received` (toTask), so status=requested finds the offered referrals nobody has in hand yet.
      const taskStatus: TaskStatusFilter = { states: [], offered: [] };
      for (const token of status.split(',')) {
        // a token may carry its system (http://hl7.org/fhir/task-status|requested)
        const [sys, code] = token.includes('|') ? token.trim().split('|') : [null, token.trim()];
        const found = REFERRAL_STATES_OF_STATUS.get(code);
        if ((sys && sys !== TASK_STATUS_SYSTEM) || (!found && code !== 'requested'))
          throw bad(`status=${token} is not a Task status this server uses (${[...new Set([...REFERRAL_STATES_OF_STATUS.keys(), 'requested'])].join(', ')})`);
        taskStatus.states.push(...(found ?? []).filter((x) => x !== 'OFFERED'));
        if (code === 'requested') taskStatus.offered.push('unowned');
        if (found?.includes('OFFERED')) taskStatus.offered.push('owned');
      }
      filter.taskStatus = taskStatus;
      honoured.push(['status', status]);
    }
    const requester = one(q.requester);
    if (requester) {
      filter.requester = refId('Organization', requester);
      honoured.push(['requester', requester]);
    }
    const owner = one(q.owner);
    if (owner) {
      // The owner is the institution holding the accepted offer, or one with a live offer.
      filter.owner = refId('Organization', owner);
      honoured.push(['owner', owner]);
    }
    filter.updated = lastUpdated(many(q._lastUpdated));
    for (const v of many(q._lastUpdated)) honoured.push(['_lastUpdated', v]);
    const { total, views: rows } = await this.reads.searchReferrals(actor, filter, { count, offset });
    const views = rows as unknown as ReferralView[];
    const l = links(base, 'Task', honoured, count, offset, total);
    return searchset(
      base,
      l.self,
      l.next,
      total,
      views.map((v) => toTask(v)),
    );
  }

  private locations(actor: Actor, beds: Array<{ bed: BedEntity; hold?: HeldBed }>): Json[] {
    return beds.map(({ bed: b, hold: h }) => {
      // Which referral holds the bed is the bed's own institution's business (like the occupant in
      // REST), and its district's: another district's coordinator learns nothing of the referral.
      const showTask =
        !!h && ((DISTRICT_ROLES.includes(actor.role) && (!actor.districtId || actor.districtId === h.districtId)) || actor.institutionId === b.institutionId);
      return toLocation(b, h ? { referralId: h.referralId, expiresAt: h.expiresAt.toISOString(), showTask } : undefined);
    });
  }

  /** Task.for resolves: an audited read of the record (PatientRecords), masked for district and audit roles. */
  async readPatient(actor: Actor, id: string, reason: string | null, correlationId?: string): Promise<Json> {
    const rec = await this.patients.read(actor, id, { reason: reason ?? 'FHIR read of Patient (Task.for)', referralId: null, correlationId });
    return toPatient(rec, DISTRICT_ROLES.includes(actor.role));
  }

  async readLocation(actor: Actor, id: string): Promise<Json> {
    return this.locations(actor, [await this.reads.bed(actor, id)])[0];
  }

  async searchLocations(actor: Actor, q: Query, base: string): Promise<Json> {
    const { count, offset } = paging(q);
    const honoured: Array<[string, string]> = [];
    const filter: { institutionId?: string; statuses?: string[] } = {};
    const org = one(q.organization);
    if (org) {
      filter.institutionId = refId('Organization', org);
      honoured.push(['organization', org]);
    }
    const op = one(q['operational-status']);
    if (op) {
      filter.statuses = op.split(',').map((t) => {
        const [sys, code] = t.includes('|') ? t.split('|') : [undefined, t];
        if ((sys && sys !== CS.v2_0116) || !/^[UOHCIK]$/.test(code)) throw bad(`operational-status=${t} is not an HL7 v2 0116 bed status (U, O, H, C, I, K)`);
        return code;
      });
      honoured.push(['operational-status', op]);
    }
    const { total, beds } = await this.reads.searchBeds(actor, filter, { count, offset });
    const l = links(base, 'Location', honoured, count, offset, total);
    return searchset(base, l.self, l.next, total, this.locations(actor, beds));
  }

  async readOrganization(actor: Actor, id: string): Promise<Json> {
    return toOrganization(await this.reads.institution(actor, id));
  }

  async searchOrganizations(actor: Actor, q: Query, base: string): Promise<Json> {
    const { count, offset } = paging(q);
    const honoured: Array<[string, string]> = [];
    const name = one(q.name);
    if (name) honoured.push(['name', name]);
    const { total, institutions } = await this.reads.searchInstitutions(actor, { namePrefix: name }, { count, offset });
    const l = links(base, 'Organization', honoured, count, offset, total);
    return searchset(base, l.self, l.next, total, institutions.map(toOrganization));
  }

  // ------------------------------------------------------------------ writes (the REST command path)
  private key(req: Request): string | undefined {
    const key = req.header('idempotency-key');
    if (key !== undefined && !/^[A-Za-z0-9._:-]{1,100}$/.test(key)) throw bad('Idempotency-Key must be 1-100 characters of A-Z a-z 0-9 . _ : -');
    return key;
  }

  private run(type: CommandName, payload: object, actor: Actor, req: Request, key: string | undefined, step: string, urgency?: Urgency) {
    return this.commands.execute(type, payload, actor, req, { idempotencyKey: key ? `fhir:${key}:${step}` : undefined, urgency });
  }

  /** A ServiceRequest (contained in the Task) → the DraftReferral payload, validated like the REST body. */
  private async draftFrom(sr: Json, task: Json): Promise<DraftReferralDto> {
    const ext = (url: string) => [...(sr.extension ?? []), ...(task.extension ?? [])].find((e: Json) => e?.url === url);
    const codes = (cc: Json | undefined) => (Array.isArray(cc?.coding) ? cc!.coding.map((c: Json) => c?.code) : []);
    const requestedKind = codes(sr.code).find((c: string) => (BED_KINDS as readonly string[]).includes(c));
    const services = (Array.isArray(sr.orderDetail) ? sr.orderDetail : []).flatMap(codes).filter((c: string) => (SERVICES as readonly string[]).includes(c));
    const priority = sr.priority ?? task.priority ?? 'routine';
    const urgency = URGENCY_OF[priority];
    if (!urgency) throw bad(`priority ${priority} is not one of routine, urgent, asap, stat`);
    const patientId = refId('Patient', sr.subject ?? task.for);
    if (!patientId) throw bad('ServiceRequest.subject must reference the Patient (Patient/{id})');
    const summary = [...(Array.isArray(sr.note) ? sr.note.map((n: Json) => n?.text) : []), task.description]
      .filter((t) => typeof t === 'string' && t.trim())
      .join('\n');
    const payload: Record<string, unknown> = {
      patientId,
      requestedKind,
      services,
      urgency,
      clinicalSummary: summary,
      consent: ext(EXT.consent)?.valueBoolean ?? false,
      ...(ext(EXT.careLevel) ? { careLevel: ext(EXT.careLevel).valueInteger } : {}),
      ...(sr.occurrenceDateTime ? { expectedArrival: sr.occurrenceDateTime } : {}),
    };
    return validated(DraftReferralDto, payload, 'ServiceRequest');
  }

  private bedInput(task: Json): string | undefined {
    const inputs: Json[] = Array.isArray(task.input) ? task.input : [];
    const bed = inputs.find((i) => typeof i?.valueReference?.reference === 'string' && /(^|\/)Location\//.test(i.valueReference.reference));
    return bed ? refId('Location', bed.valueReference) : undefined;
  }

  /**
   * POST Task: DraftReferral (from a contained ServiceRequest) or a referenced DRAFT referral,
   * then SubmitReferral, then ExtendOffer when the Task names an owner. A Task posted with
   * status `draft` stops after the draft.
   */
  async createTask(actor: Actor, body: Json, req: Request): Promise<Json> {
    if (!body || typeof body !== 'object' || body.resourceType !== 'Task') throw bad('the body must be a FHIR Task');
    const focus = body.focus?.reference;
    if (typeof focus !== 'string') throw bad('Task.focus must reference the ServiceRequest: contained (#id) or ServiceRequest/{id}');
    const key = this.key(req);
    let referralId: string;
    if (focus.startsWith('#')) {
      const sr = (Array.isArray(body.contained) ? body.contained : []).find((r: Json) => r?.resourceType === 'ServiceRequest' && r.id === focus.slice(1));
      if (!sr) throw bad(`Task.focus ${focus} names no contained ServiceRequest`);
      const draft = await this.draftFrom(sr, body);
      referralId = key ? uuidFrom(actor, `fhir:${key}`) : randomUUID();
      await this.run('DraftReferral', { ...draft, referralId }, actor, req, key, 'draft', draft.urgency);
    } else {
      referralId = refId('ServiceRequest', focus)!;
      await this.referral(actor, referralId); // 404 unless the caller may see it
    }
    if (body.status !== 'draft') {
      await this.run('SubmitReferral', { referralId }, actor, req, key, 'submit');
      const owner = refId('Organization', body.owner);
      if (owner) {
        const offer = await validated(
          ExtendOfferDto,
          {
            targetInstitutionId: owner,
            ...(this.bedInput(body) ? { targetBedId: this.bedInput(body) } : {}),
            ...(key ? { offerId: uuidFrom(actor, `fhir:${key}:offer`) } : {}),
          },
          'Task.owner',
        );
        await this.run('ExtendOffer', { referralId, ...offer }, actor, req, key, 'offer');
      }
    }
    return toTask(await this.referral(actor, referralId));
  }

  async patchTask(actor: Actor, id: string, ops: unknown, req: Request): Promise<Json> {
    const current = await this.readTask(actor, id);
    return this.updateTask(actor, id, applyJsonPatch(current, ops), req);
  }

  /**
   * PUT (and PATCH, after applying the patch) of a Task: only a change of status means anything.
   * accepted / rejected by the owner → AcceptOffer / DeclineOffer; cancelled by the requester → CancelReferral.
   */
  async updateTask(actor: Actor, id: string, next: Json, req: Request): Promise<Json> {
    if (!next || typeof next !== 'object' || next.resourceType !== 'Task') throw bad('the body must be a FHIR Task');
    if (next.id !== undefined && next.id !== id) throw bad(`Task.id ${next.id} does not match the URL (${id})`);
    const { view, offerId } = await this.taskTarget(actor, id);
    const current = offerId ? toOfferTask(view, offerId) : toTask(view);
    const ifMatch = req.header('if-match');
    if (ifMatch && !offerId && ifMatch.replace(/^W\//, '').replace(/"/g, '') !== String(view.version)) {
      throw new DomainError('VERSION_CONFLICT', `Task ${id} is at version ${view.version}, not ${ifMatch}`, { version: view.version });
    }
    if (next.status === current.status) return current;
    const key = this.key(req);
    const offerFor = () => {
      const o = offerId
        ? view.offers.find((x) => x.id === offerId)
        : view.offers.find((x) => ['PENDING', 'VIEWED'].includes(x.state) && x.targetInstitutionId === actor.institutionId);
      if (!o) throw new DomainError('FORBIDDEN', 'only the owner of a live offer (the institution it was made to) accepts or rejects the Task');
      return o;
    };
    switch (next.status) {
      case 'accepted': {
        const o = offerFor();
        const bedId = this.bedInput(next);
        const dto = await validated(AcceptOfferDto, bedId ? { bedId } : {}, 'Task.input');
        await this.run('AcceptOffer', { referralId: view.id, offerId: o.id, ...dto }, actor, req, key, `accept:${o.id}`);
        break;
      }
      case 'rejected': {
        const o = offerFor();
        const reason = next.statusReason as Json | undefined;
        const coded = (Array.isArray(reason?.coding) ? reason!.coding : [])
          .map((c: Json) => c?.code)
          .find((c: string) => (DECLINE_REASONS as readonly string[]).includes(c));
        const text = typeof reason?.text === 'string' && reason.text !== coded ? reason.text : undefined;
        if (!coded && !text) throw bad(`rejecting needs Task.statusReason: a code of ${CS.declineReason} (${DECLINE_REASONS.join(', ')}) or a text`);
        const dto = await validated(DeclineOfferDto, { reason: coded ?? 'OTHER', ...(text ? { text } : {}) }, 'Task.statusReason');
        await this.run('DeclineOffer', { referralId: view.id, offerId: o.id, ...dto }, actor, req, key, `decline:${o.id}`);
        // The decliner's rights on the referral end with its offer: it gets back its own answer (the
        // offer's child Task as it stood), not the referral's state after it.
        const answered = { ...o, state: 'DECLINED', declineReason: dto.reason, declinedBy: 'PROVIDER', declineText: dto.text ?? null };
        return toOfferTask({ ...view, offers: view.offers.map((x) => (x.id === o.id ? answered : x)) } as ReferralView, o.id);
      }
      case 'cancelled': {
        if (offerId) throw bad('cancel the referral Task, not an offer');
        const reason = typeof next.statusReason?.text === 'string' && next.statusReason.text.trim() ? next.statusReason.text : 'cancelled through FHIR';
        await this.run('CancelReferral', { referralId: view.id, reason }, actor, req, key, 'cancel');
        break;
      }
      default:
        throw new DomainError(
          'INVALID_TRANSITION',
          `Task.status ${current.status} → ${next.status} is not a change this server makes through FHIR (accepted, rejected, cancelled)`,
          { from: current.status, to: next.status },
        );
    }
    return this.readTask(actor, id);
  }
}
