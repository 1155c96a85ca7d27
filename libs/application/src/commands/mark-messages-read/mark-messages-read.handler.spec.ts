import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { MarkMessagesReadCommand } from './mark-messages-read.command';
import { MarkMessagesReadHandler } from './mark-messages-read.handler';

const upToMessageId = '00000000-0000-4000-8000-0000000000aa';
describeHandler(MarkMessagesReadCommand, MarkMessagesReadHandler, [
  { name: 'a target reads its thread', stage: 'OFFERED', actor: ACTORS.target, payload: { referralId: 'ref-1', upToMessageId }, events: ['MessagesRead'] },
  {
    name: 'the origin reads a target’s thread',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { referralId: 'ref-1', targetInstitutionId: 'cc1', upToMessageId },
    events: ['MessagesRead'],
  },
  { name: 'another centre has no thread', stage: 'OFFERED', actor: ACTORS.stranger, payload: { referralId: 'ref-1', upToMessageId }, refused: 'FORBIDDEN' },
]);
