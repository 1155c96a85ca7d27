import { buildAck, Er7Error, field, header, parseEr7, segment, value } from './er7';

const A03 = [
  'MSH|^~\\&|HIS|H1|BEDLINK|D1|20261123101500||ADT^A03^ADT_A03|MSG00001|P|2.5.1',
  'EVN|A03|20261123101500',
  'PID|1||310104194603151234^^^CN-RID^NNCHN~P77^^^HIS^MR||王^小明||19460315|M',
  'PV1|1|I|Neuro 5^5-01',
].join('\r');

describe('ER7 reader', () => {
  it('reads MSH fields with HL7 numbering (MSH-1 is the separator) and the message type components', () => {
    const m = parseEr7(A03);
    expect(m.delimiters).toEqual({ field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' });
    expect(header(m)).toEqual({
      sendingApplication: 'HIS',
      sendingFacility: 'H1',
      receivingApplication: 'BEDLINK',
      receivingFacility: 'D1',
      messageCode: 'ADT',
      triggerEvent: 'A03',
      controlId: 'MSG00001',
      processingId: 'P',
      version: '2.5.1',
    });
    expect(m.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1']);
  });

  it('splits repetitions and components of PID-3', () => {
    const m = parseEr7(A03);
    const pid = segment(m, 'PID');
    expect(field(m, pid, 3)).toEqual([
      ['310104194603151234', '', '', 'CN-RID', 'NNCHN'],
      ['P77', '', '', 'HIS', 'MR'],
    ]);
    expect(value(m, pid, 5, 2)).toBe('小明');
    expect(value(m, pid, 4)).toBeUndefined();
  });

  it('accepts LF or CRLF segment ends and MLLP framing, and custom delimiters', () => {
    expect(parseEr7(`\x0b${A03.replace(/\r/g, '\r\n')}\x1c\r`).segments).toHaveLength(4);
    const custom = parseEr7('MSH#*$!%#HIS#H1###20261123##ADT*A03#X1#P#2.5\nPID#1##ABC*x$DEF');
    expect(header(custom)).toMatchObject({ messageCode: 'ADT', triggerEvent: 'A03', controlId: 'X1' });
    expect(field(custom, segment(custom, 'PID'), 3)).toEqual([['ABC', 'x'], ['DEF']]);
  });

  it('unescapes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\', () => {
    const m = parseEr7('MSH|^~\\&|A|B|C|D|1||ADT^A03|1|P|2.5\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f');
    expect(value(m, segment(m, 'NTE'), 3)).toBe('a|b^c&d~e\\f');
  });

  it.each([
    ['empty', ''],
    ['not MSH first', 'PID|1||X\rMSH|^~\\&|A'],
    ['delimiters repeated', 'MSH|^^\\&|A|B'],
    ['a garbage segment', 'MSH|^~\\&|A|B|C|D|1||ADT^A03|1|P|2.5\rhello world'],
    ['JSON', '{"resourceType":"Task"}'],
  ])('refuses %s with an Er7Error', (_, text) => {
    expect(() => parseEr7(text)).toThrow(Er7Error);
  });
});

describe('ACK writer', () => {
  it('swaps sender and receiver, echoes MSH-10 in MSA-2 and answers AA without ERR', () => {
    const ack = buildAck(header(parseEr7(A03)), 'AA', { controlId: 'BL1', now: new Date('2026-11-23T10:15:00Z'), text: 'ok' });
    const m = parseEr7(ack);
    expect(header(m)).toMatchObject({
      sendingApplication: 'BEDLINK',
      sendingFacility: 'D1',
      receivingApplication: 'HIS',
      receivingFacility: 'H1',
      messageCode: 'ACK',
      triggerEvent: 'A03',
      controlId: 'BL1',
      version: '2.5.1',
    });
    expect(segment(m, 'MSA')!.fields).toEqual(['MSA', 'AA', 'MSG00001', 'ok']);
    expect(segment(m, 'ERR')).toBeUndefined();
    expect(value(m, segment(m, 'MSH'), 7)).toBe('20261123101500');
  });

  it('refuses a NUL byte anywhere as unreadable (data type error), before any field is read', () => {
    const msg = 'MSH|^~\\&|HIS|H1|BEDLINK|X|20261130||ADT^A03|C1|P|2.5\rPID|||11010519491231002X\u0000^^^MPI\r';
    expect(() => parseEr7(msg)).toThrow(Er7Error);
    expect(() => parseEr7(msg)).toThrow(/NUL byte/);
    try {
      parseEr7(msg);
    } catch (e) {
      expect((e as Er7Error).hl7Code).toBe('102');
    }
  });

  it('adds ERR with the table 0357 code for AE/AR and escapes delimiters in the text', () => {
    const m = parseEr7(buildAck({ controlId: 'X|1' }, 'AR', { controlId: 'BL2', now: new Date(), text: 'bad | text ^ here', errorCode: '200' }));
    expect(value(m, segment(m, 'MSA'), 1)).toBe('AR');
    expect(value(m, segment(m, 'MSA'), 2)).toBe('X|1');
    expect(value(m, segment(m, 'MSA'), 3)).toBe('bad | text ^ here');
    expect(field(m, segment(m, 'ERR'), 3)[0]).toEqual(['200', 'bad | text ^ here', 'HL70357']);
  });
});
