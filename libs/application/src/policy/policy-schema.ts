import Ajv, { ErrorObject } from 'ajv';
import { DistrictPolicyDoc, DomainError, DURATION_PATTERN, parseDuration } from '@bedlink/domain';

const duration = { type: 'string', pattern: DURATION_PATTERN };
const byUrgency = {
  type: 'object',
  additionalProperties: false,
  required: ['EMERGENCY', 'URGENT', 'ROUTINE'],
  properties: { EMERGENCY: duration, URGENT: duration, ROUTINE: duration },
};
const partialByUrgency = { type: 'object', additionalProperties: false, properties: { EMERGENCY: duration, URGENT: duration, ROUTINE: duration } };
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };
const hhmm = { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' };

/** JSON Schema of a district policy document (config/policies/*.json). */
export const POLICY_SCHEMA = {
  $id: 'https://bedlink.example/district-policy.schema.json',
  type: 'object',
  additionalProperties: false,
  required: [
    'districtId',
    'offerWindows',
    'reservationHold',
    'broadcastFanout',
    'defaultStrategy',
    'returnHoldDays',
    'deadlineWarnings',
    'eligibility',
    'calendar',
    'referral',
  ],
  properties: {
    $schema: { type: 'string' },
    districtId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$' },
    offerWindows: byUrgency,
    offerWindowsByDirection: {
      type: 'object',
      additionalProperties: false,
      properties: { DOWNWARD: partialByUrgency, UPWARD: partialByUrgency, LATERAL: partialByUrgency },
    },
    reservationHold: byUrgency,
    broadcastFanout: { type: 'integer', minimum: 1, maximum: 10 },
    defaultStrategy: { enum: ['BROADCAST', 'CASCADE'] },
    returnHoldDays: { type: 'integer', minimum: 0, maximum: 90 },
    returnHoldKinds: { type: 'array', uniqueItems: true, items: { enum: ['HOSPITAL', 'COMMUNITY', 'HOSPICE', 'CARE_HOME'] } },
    moreInformation: {
      type: 'object',
      additionalProperties: false,
      required: ['pausesDeadline'],
      properties: { pausesDeadline: { type: 'boolean', description: 'a NEED_MORE_INFO answer stops the offer deadline until the origin replies' } },
    },
    deadlineWarnings: { type: 'array', maxItems: 5, items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 } },
    eligibility: {
      type: 'object',
      additionalProperties: false,
      required: ['onFailure', 'careHomeMinGrade', 'homeCareMinGrade', 'basicGuarantee'],
      properties: {
        onFailure: { enum: ['REFUSE', 'FLAG'] },
        careHomeMinGrade: { type: 'integer', minimum: 0, maximum: 6 },
        homeCareMinGrade: { type: 'integer', minimum: 0, maximum: 6 },
        basicGuarantee: {
          type: 'object',
          additionalProperties: false,
          required: ['minGrade', 'cognitiveImpairmentQualifies', 'hardshipQualifies'],
          properties: {
            minGrade: { type: 'integer', minimum: 0, maximum: 6 },
            cognitiveImpairmentQualifies: { type: 'boolean' },
            hardshipQualifies: { type: 'boolean' },
          },
        },
        minAge: { type: 'integer', minimum: 0, maximum: 120 },
        assessmentValidYears: { type: 'integer', minimum: 1, maximum: 10 },
      },
    },
    calendar: {
      type: 'object',
      additionalProperties: false,
      required: ['routineOnBusinessHours', 'utcOffset', 'workingHours', 'workingDays', 'holidays', 'extraWorkdays'],
      properties: {
        routineOnBusinessHours: { type: 'boolean' },
        utcOffset: { type: 'string', pattern: '^[+-]\\d{2}:\\d{2}$' },
        workingHours: { type: 'object', additionalProperties: false, required: ['start', 'end'], properties: { start: hhmm, end: hhmm } },
        workingDays: { type: 'array', minItems: 1, maxItems: 7, uniqueItems: true, items: { type: 'integer', minimum: 1, maximum: 7 } },
        holidays: { type: 'array', maxItems: 400, items: date },
        extraWorkdays: { type: 'array', maxItems: 100, items: date },
        holidaySource: { enum: ['NATIONAL', 'NONE'] },
      },
    },
    referral: {
      type: 'object',
      additionalProperties: false,
      required: ['sameDistrictWithoutAgreement'],
      properties: { sameDistrictWithoutAgreement: { type: 'boolean' } },
    },
    transport: { type: 'object', additionalProperties: false, required: ['pickupWindow'], properties: { pickupWindow: duration } },
    waitingList: { type: 'object', additionalProperties: false, required: ['dispatch'], properties: { dispatch: { enum: ['AUTO', 'CONFIRM'] } } },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(POLICY_SCHEMA);

function describe(e: ErrorObject): string {
  const path = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') return `${path}: unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'required') return `${path}: missing field "${(e.params as { missingProperty: string }).missingProperty}"`;
  return `${path}: ${e.message}`;
}

/** Validates a policy document; an invalid one is refused naming the path of the first bad field. */
export function validatePolicy(doc: unknown): DistrictPolicyDoc {
  if (!validate(doc)) {
    const errors = (validate.errors ?? []).map(describe);
    throw new DomainError('VALIDATION_FAILED', `invalid district policy: ${errors[0]}`, { path: validate.errors?.[0]?.instancePath || '/', errors });
  }
  const p = doc as unknown as DistrictPolicyDoc;
  if (p.calendar.workingHours.start >= p.calendar.workingHours.end) {
    throw new DomainError('VALIDATION_FAILED', 'invalid district policy: /calendar/workingHours: start must be before end', { path: '/calendar/workingHours' });
  }
  for (const [u, v] of Object.entries(p.offerWindows))
    if (parseDuration(v) <= 0)
      throw new DomainError('VALIDATION_FAILED', `invalid district policy: /offerWindows/${u}: must be positive`, { path: `/offerWindows/${u}` });
  return p;
}
