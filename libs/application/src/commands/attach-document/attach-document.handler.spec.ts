import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { AttachDocumentCommand } from './attach-document.command';
import { AttachDocumentHandler } from './attach-document.handler';

const payload = {
  referralId: 'ref-1',
  documentId: '00000000-0000-4000-8000-000000000001',
  filename: 'summary.pdf',
  mediaType: 'application/pdf',
  size: 1234,
  sha256: 'ab'.repeat(32),
  storage: 'postgres',
};
describeHandler(AttachDocumentCommand, AttachDocumentHandler, [
  {
    name: 'the origin attaches a file',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload,
    events: ['DocumentAttached'],
    result: { documentId: payload.documentId },
  },
  { name: 'a target may not attach to the origin’s referral', stage: 'OFFERED', actor: ACTORS.target, payload, refused: 'FORBIDDEN' },
  { name: 'another institution may not', stage: 'OFFERED', actor: ACTORS.stranger, payload, refused: 'FORBIDDEN' },
  { name: 'not once the referral is over', stage: 'COMPLETED', actor: ACTORS.origin, payload, refused: 'INVALID_TRANSITION' },
]);
