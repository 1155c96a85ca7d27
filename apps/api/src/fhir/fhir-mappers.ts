import { BED_STATUS_LABELS, BedStatus, FHIR_OFFER_STATUS, FHIR_TASK_STATUS, OfferState, ReferralState, Urgency } from '@bedlink/domain';

/*
 * Pure mapping from the engine's read shapes to FHIR R4 resources. Every resource built here is
 * validated against the official R4 JSON schema in test/fhir*.e2e-spec.ts.
 */

export const FHIR_JSON = 'application/fhir+json';
/** Our own code systems: stable URLs under the engine's namespace. */
export const CS = {
  referralState: 'https://bedlink.dev/fhir/CodeSystem/referral-state',
  offerState: 'https://bedlink.dev/fhir/CodeSystem/offer-state',
  bedKind: 'https://bedlink.dev/fhir/CodeSystem/bed-kind',
  service: 'https://bedlink.dev/fhir/CodeSystem/service',
  declineReason: 'https://bedlink.dev/fhir/CodeSystem/decline-reason',
  institutionType: 'https://bedlink.dev/fhir/CodeSystem/institution-type',
  institutionCode: 'https://bedlink.dev/fhir/NamingSystem/institution-code',
  errorCode: 'https://bedlink.dev/fhir/CodeSystem/error-code',
  taskInput: 'https://bedlink.dev/fhir/CodeSystem/task-input',
  messageKind: 'https://bedlink.dev/fhir/CodeSystem/message-kind',
  v2_0116: 'http://terminology.hl7.org/CodeSystem/v2-0116',
  v2_0283: 'http://terminology.hl7.org/CodeSystem/v2-0283',
  physicalType: 'http://terminology.hl7.org/CodeSystem/location-physical-type',
  taskCode: 'http://hl7.org/fhir/CodeSystem/task-code',
  issueType: 'http://hl7.org/fhir/issue-type',
} as const;
export const EXT = {
  consent: 'https://bedlink.dev/fhir/StructureDefinition/consent',
  careLevel: 'https://bedlink.dev/fhir/StructureDefinition/care-level',
  reservation: 'https://bedlink.dev/fhir/StructureDefinition/bed-reservation',
} as const;

export type Json = Record<string, any>;

export const PRIORITY_OF: Readonly<Record<Urgency, string>> = { ROUTINE: 'routine', URGENT: 'urgent', EMERGENCY: 'stat' };
export const URGENCY_OF: Readonly<Record<string, Urgency>> = { routine: 'ROUTINE', urgent: 'URGENT', asap: 'URGENT', stat: 'EMERGENCY' };

const ref = (type: string, id: string | null | undefined, display?: string | null) =>
  id ? { reference: `${type}/${id}`, ...(display ? { display } : {}) } : undefined;
const clean = <T extends Json>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))) as T;

/** The referral view of ReferralReads (what REST returns), the source of Task and ServiceRequest. */
export interface ReferralView {
  id: string;
  state: string;
  stateReason: string | null;
  urgency: string;
  requestedKind: string;
  services: string[];
  careLevel: number | null;
  clinicalSummary: string;
  consent: boolean;
  patientId: string;
  origin: { institutionId: string; name: string | null; bedId: string | null };
  createdAt: string;
  updatedAt: string;
  version: number;
  offers: Array<{
    id: string;
    targetInstitutionId: string;
    targetName: string | null;
    targetBedId: string | null;
    state: string;
    deadlineAt: string | null;
    createdAt: string;
    answeredAt: string | null;
    declineReason: string | null;
    declinedBy: string | null;
    declineText: string | null;
  }>;
  reservations: Array<{ id: string; offerId: string; bedId: string | null; state: string; expiresAt: string }>;
}

const LIVE_OFFER = ['PENDING', 'VIEWED'];

/** Who owns the referral Task: the accepted target, else the single live offer's target (several live offers: nobody yet). */
export function referralOwner(v: ReferralView) {
  const accepted = v.offers.find((o) => o.state === 'ACCEPTED');
  if (accepted) return accepted;
  const live = v.offers.filter((o) => LIVE_OFFER.includes(o.state));
  return live.length === 1 ? live[0] : undefined;
}

/**
 * Task.status of a referral. OFFERED with nobody owning it yet (a broadcast to several, or between
 * cascade steps) is still `requested`: `received` says a performer has it in hand (DOMAIN.md), and
 * businessStatus carries the engine's state either way.
 */
function taskStatus(v: ReferralView, owner: unknown): string {
  if (v.state === 'OFFERED' && !owner) return 'requested';
  return FHIR_TASK_STATUS[v.state as ReferralState];
}

/** A document as a Task input: the referral Task links its DocumentReferences (R4 Task has no supportingInfo). */
export interface TaskDocument {
  documentId: string;
  filename: string;
}

export function toTask(v: ReferralView, documents: readonly TaskDocument[] = []): Json {
  const owner = referralOwner(v);
  const held = v.reservations.find((r) => r.state === 'HELD' || r.state === 'CONSUMED');
  const docs = documents.map((d) => ({
    type: { coding: [{ system: CS.taskInput, code: 'document' }] },
    valueReference: { reference: `DocumentReference/${d.documentId}`, display: d.filename },
  }));
  return clean({
    resourceType: 'Task',
    id: v.id,
    meta: { versionId: String(v.version), lastUpdated: v.updatedAt },
    status: taskStatus(v, owner),
    statusReason: v.stateReason ? { text: v.stateReason } : undefined,
    businessStatus: { coding: [{ system: CS.referralState, code: v.state }], text: v.state.toLowerCase() },
    intent: 'order',
    priority: PRIORITY_OF[v.urgency as Urgency],
    code: { coding: [{ system: CS.taskCode, code: 'fulfill' }] },
    focus: { reference: `ServiceRequest/${v.id}` },
    for: ref('Patient', v.patientId),
    authoredOn: v.createdAt,
    lastModified: v.updatedAt,
    requester: ref('Organization', v.origin.institutionId, v.origin.name),
    owner: owner ? ref('Organization', owner.targetInstitutionId, owner.targetName) : undefined,
    input: [
      ...(held?.bedId ? [{ type: { coding: [{ system: CS.taskInput, code: 'bed' }] }, valueReference: { reference: `Location/${held.bedId}` } }] : []),
      ...docs,
    ],
  });
}

export interface DocumentRowView {
  documentId: string;
  referralId: string;
  patientId: string;
  originInstitutionId: string;
  filename: string;
  mediaType: string;
  size: number;
  sha256: string;
  description: string | null;
  uploadedAt: string;
}

/** A referral's file: metadata here, the bytes at the audited download URL (attachment.url). */
export function toDocumentReference(d: DocumentRowView, publicUrl: string): Json {
  return clean({
    resourceType: 'DocumentReference',
    id: d.documentId,
    meta: { lastUpdated: d.uploadedAt },
    identifier: [{ system: 'urn:ietf:rfc:3986', value: `urn:sha256:${d.sha256}` }],
    status: 'current',
    subject: ref('Patient', d.patientId),
    date: d.uploadedAt,
    author: [ref('Organization', d.originInstitutionId)],
    description: d.description ?? undefined,
    content: [
      {
        attachment: clean({
          contentType: d.mediaType,
          url: `${publicUrl}/referrals/${d.referralId}/documents/${d.documentId}`,
          size: d.size,
          title: d.filename,
          creation: d.uploadedAt,
        }),
      },
    ],
    context: { related: [{ reference: `Task/${d.referralId}` }] },
  });
}

export interface MessageRowView {
  messageId: string;
  referralId: string;
  patientId: string;
  fromInstitutionId: string;
  toInstitutionId: string;
  offerId: string | null;
  kind: string;
  text: string;
  sentAt: string;
  readAt: string | null;
}

/** One message of a referral's thread: partOf the referral Task, about the offer it answers. */
export function toCommunication(m: MessageRowView): Json {
  return clean({
    resourceType: 'Communication',
    id: m.messageId,
    meta: { lastUpdated: m.readAt ?? m.sentAt },
    partOf: [{ reference: `Task/${m.referralId}` }],
    status: 'completed',
    category: [{ coding: [{ system: CS.messageKind, code: m.kind }], text: m.kind === 'NEED_MORE_INFO' ? 'need more information' : 'message' }],
    subject: ref('Patient', m.patientId),
    about: m.offerId ? [{ reference: `Task/${m.offerId}` }] : undefined,
    sent: m.sentAt,
    received: m.readAt ?? undefined,
    recipient: [ref('Organization', m.toInstitutionId)],
    sender: ref('Organization', m.fromInstitutionId),
    payload: [{ contentString: m.text }],
  });
}

export function toOfferTask(v: ReferralView, offerId: string): Json {
  const o = v.offers.find((x) => x.id === offerId)!;
  const bed = v.reservations.find((r) => r.offerId === o.id)?.bedId ?? o.targetBedId;
  let statusReason: Json | undefined;
  if (o.state === 'DECLINED') {
    statusReason = {
      coding: [{ system: CS.v2_0283, code: 'R', display: 'Rejected' }, ...(o.declineReason ? [{ system: CS.declineReason, code: o.declineReason }] : [])],
      ...(o.declineText || o.declineReason ? { text: o.declineText ?? o.declineReason } : {}),
    };
  } else if (o.state === 'EXPIRED') {
    statusReason = { coding: [{ system: CS.v2_0283, code: 'E', display: 'Expired' }], text: 'no answer before the deadline' };
  }
  return clean({
    resourceType: 'Task',
    id: o.id,
    meta: { lastUpdated: o.answeredAt ?? v.updatedAt },
    partOf: [{ reference: `Task/${v.id}` }],
    status: FHIR_OFFER_STATUS[o.state as OfferState],
    statusReason,
    businessStatus: { coding: [{ system: CS.offerState, code: o.state }] },
    intent: 'order',
    priority: PRIORITY_OF[v.urgency as Urgency],
    code: { coding: [{ system: CS.taskCode, code: 'approve' }] },
    focus: { reference: `ServiceRequest/${v.id}` },
    for: ref('Patient', v.patientId),
    authoredOn: o.createdAt,
    lastModified: o.answeredAt ?? o.createdAt,
    requester: ref('Organization', v.origin.institutionId, v.origin.name),
    owner: ref('Organization', o.targetInstitutionId, o.targetName),
    restriction: o.deadlineAt ? { period: { end: o.deadlineAt } } : undefined,
    input: bed ? [{ type: { coding: [{ system: CS.taskInput, code: 'bed' }] }, valueReference: { reference: `Location/${bed}` } }] : undefined,
  });
}

const SR_STATUS: Readonly<Record<string, string>> = { DRAFT: 'draft', COMPLETED: 'completed', CANCELLED: 'revoked', REJECTED: 'revoked', FAILED: 'revoked' };

export function toServiceRequest(v: ReferralView): Json {
  return clean({
    resourceType: 'ServiceRequest',
    id: v.id,
    meta: { versionId: String(v.version), lastUpdated: v.updatedAt },
    status: SR_STATUS[v.state] ?? 'active',
    intent: 'order',
    priority: PRIORITY_OF[v.urgency as Urgency],
    code: { coding: [{ system: CS.bedKind, code: v.requestedKind }], text: v.requestedKind },
    orderDetail: v.services.map((s) => ({ coding: [{ system: CS.service, code: s }] })),
    subject: { reference: `Patient/${v.patientId}` },
    authoredOn: v.createdAt,
    requester: ref('Organization', v.origin.institutionId, v.origin.name),
    note: v.clinicalSummary ? [{ text: v.clinicalSummary }] : undefined,
    extension: [
      { url: EXT.consent, valueBoolean: v.consent },
      ...(v.careLevel !== null && v.careLevel !== undefined ? [{ url: EXT.careLevel, valueInteger: v.careLevel }] : []),
    ],
  });
}

export interface BedRow {
  id: string;
  institutionId: string;
  kind: string;
  ward: string;
  label: string;
  status: string;
  version: number;
  updatedAt: Date | string;
}

/**
 * A bed as a Location. operationalStatus is the HL7 v2 0116 status and nothing else: a bed held
 * for an accepted referral is still physically unoccupied, so it stays `U`; the hold is shown
 * by the bed-reservation extension (held + until, and the Task to the bed's own institution).
 * It turns `O` only at admission.
 */
export function toLocation(b: BedRow, hold?: { referralId: string; expiresAt: string; showTask: boolean }): Json {
  const status = b.status as BedStatus;
  return clean({
    resourceType: 'Location',
    id: b.id,
    meta: { versionId: String(b.version), lastUpdated: new Date(b.updatedAt).toISOString() },
    // closed, isolated and contaminated beds take nobody: 'suspended' (FHIR: temporarily not operational)
    status: status === 'C' || status === 'I' || status === 'K' ? 'suspended' : 'active',
    operationalStatus: { system: CS.v2_0116, code: status, display: BED_STATUS_LABELS[status]?.en },
    name: `${b.ward} ${b.label}`,
    mode: 'instance',
    type: [{ coding: [{ system: CS.bedKind, code: b.kind }] }],
    physicalType: { coding: [{ system: CS.physicalType, code: 'bd', display: 'Bed' }] },
    managingOrganization: { reference: `Organization/${b.institutionId}` },
    extension: hold
      ? [
          {
            url: EXT.reservation,
            extension: [
              { url: 'held', valueBoolean: true },
              { url: 'until', valueDateTime: hold.expiresAt },
              ...(hold.showTask ? [{ url: 'task', valueReference: { reference: `Task/${hold.referralId}` } }] : []),
            ],
          },
        ]
      : undefined,
  });
}

export interface InstitutionRow {
  id: string;
  code: string;
  name: string;
  type: string;
  address: string;
  services: string[];
  version: number;
  updatedAt: Date | string;
}

export function toOrganization(i: InstitutionRow): Json {
  return clean({
    resourceType: 'Organization',
    id: i.id,
    meta: { versionId: String(i.version), lastUpdated: new Date(i.updatedAt).toISOString() },
    identifier: [{ system: CS.institutionCode, value: i.code }],
    active: true,
    type: [{ coding: [{ system: CS.institutionType, code: i.type }] }],
    name: i.name,
    address: i.address ? [{ text: i.address }] : undefined,
  });
}

const ISSUE_TYPE: Readonly<Record<number, string>> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  412: 'conflict',
  413: 'too-costly',
  422: 'business-rule',
  429: 'throttled',
  503: 'transient',
};

/** Identifier system of the PRC resident identity number (GB 11643). */
export const RESIDENT_ID_SYSTEM = 'urn:oid:2.16.156.10011.1.1';

export interface PatientRecordView {
  id: string;
  name: string;
  residentId: string;
  phone: string | null;
  sex: string;
  birthDate: string;
}

/** `310106********123X`: region and check part only, enough to tell two residents apart on a screen. */
export function maskResidentId(id: string): string {
  return id.length === 18 ? `${id.slice(0, 6)}********${id.slice(14)}` : '*'.repeat(id.length);
}

/**
 * A patient as FHIR Patient, so Task.for resolves. `masked`: for district and audit roles, who
 * oversee referrals rather than treat the person, the resident ID is masked and the phone left out.
 */
export function toPatient(p: PatientRecordView, masked: boolean): Json {
  return clean({
    resourceType: 'Patient',
    id: p.id,
    identifier: [{ system: RESIDENT_ID_SYSTEM, value: masked ? maskResidentId(p.residentId) : p.residentId }],
    name: p.name ? [{ text: p.name }] : undefined,
    telecom: !masked && p.phone ? [{ system: 'phone', value: p.phone }] : undefined,
    gender: p.sex === 'F' ? 'female' : p.sex === 'M' ? 'male' : 'unknown',
    birthDate: p.birthDate,
  });
}

/** The domain's `{code, message, details}` as an OperationOutcome; the HTTP status comes from the same error map as REST. */
export function toOperationOutcome(status: number, body: { code: string; message: string; details?: unknown }): Json {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: status >= 500 ? 'fatal' : 'error',
        code: ISSUE_TYPE[status] ?? (status >= 500 ? 'exception' : 'processing'),
        details: { coding: [{ system: CS.errorCode, code: body.code }], text: body.message },
        diagnostics: body.details ? `${body.message} ${JSON.stringify(body.details)}` : body.message,
      },
    ],
  };
}

export function searchset(base: string, selfUrl: string, nextUrl: string | null, total: number, resources: Json[]): Json {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total,
    link: [{ relation: 'self', url: selfUrl }, ...(nextUrl ? [{ relation: 'next', url: nextUrl }] : [])],
    // FHIR forbids empty arrays: an empty page has no `entry` at all.
    ...(resources.length ? { entry: resources.map((r) => ({ fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } })) } : {}),
  };
}
