import { ACTORS } from '../../testing/fake-unit-of-work';
import { describeHandler } from '../../testing/handler-cases';
import { PostMessageCommand } from './post-message.command';
import { PostMessageHandler } from './post-message.handler';

const id = '00000000-0000-4000-8000-0000000000aa';
describeHandler(PostMessageCommand, PostMessageHandler, [
  {
    name: 'the origin writes to a target',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { referralId: 'ref-1', messageId: id, targetInstitutionId: 'cc1', text: 'MRI attached' },
    events: ['MessagePosted'],
  },
  {
    name: 'a target writes in its own thread',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { referralId: 'ref-1', messageId: id, text: 'hello' },
    events: ['MessagePosted'],
  },
  {
    name: 'a target without an offer has no thread',
    stage: 'OFFERED',
    actor: ACTORS.stranger,
    payload: { referralId: 'ref-1', messageId: id, text: 'hello' },
    refused: 'FORBIDDEN',
  },
  {
    name: 'the origin cannot write to an institution without a live offer',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { referralId: 'ref-1', messageId: id, targetInstitutionId: 'cc2', text: 'hello' },
    refused: 'FORBIDDEN',
  },
  {
    name: 'need more information: the clock keeps running under a policy without a pause',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { referralId: 'ref-1', messageId: id, text: 'latest INR?', kind: 'NEED_MORE_INFO' },
    events: ['MessagePosted'],
    result: { offerPaused: false },
  },
  {
    name: 'only a receiver asks for more information',
    stage: 'OFFERED',
    actor: ACTORS.origin,
    payload: { referralId: 'ref-1', messageId: id, targetInstitutionId: 'cc1', text: 'x', kind: 'NEED_MORE_INFO' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'an empty message',
    stage: 'OFFERED',
    actor: ACTORS.target,
    payload: { referralId: 'ref-1', messageId: id, text: '   ' },
    refused: 'VALIDATION_FAILED',
  },
  {
    name: 'the thread closes with the referral',
    stage: 'COMPLETED',
    actor: ACTORS.target,
    payload: { referralId: 'ref-1', messageId: id, text: 'x' },
    refused: 'INVALID_TRANSITION',
  },
]);
