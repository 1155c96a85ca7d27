import { stayEndOf } from './adt.service';

describe('PV1-36 discharge disposition (HL7 table 0112) → why the stay ends', () => {
  it.each([
    [undefined, 'DISCHARGED_HOME'],
    ['01', 'DISCHARGED_HOME'],
    ['1', 'DISCHARGED_HOME'],
    ['20', 'DECEASED'],
    ['41', 'DECEASED'],
    ['07', 'LEFT_AGAINST_ADVICE'],
    ['02', 'TRANSFERRED_OUT_OF_NETWORK'],
    ['62', 'TRANSFERRED_OUT_OF_NETWORK'],
    ['99', 'DISCHARGED_HOME'],
  ])('%s → %s', (code, reason) => {
    expect(stayEndOf(code)).toBe(reason);
  });
});
