/**
 * A small HL7 v2 ER7 ("pipe and hat") reader and ACK writer: enough for inbound ADT triggers.
 *
 * Kept beside @medplum/core's Hl7Message (which the MLLP listener uses for framing and transport):
 * measured on 4.5.2, Hl7Message.parse does not unescape \F\ \S\ \T\ \R\ \E\, accepts a
 * line that is no segment ("hello world") and MSH-2 with repeated delimiters, and its buildAck
 * carries no ERR segment and a fixed MSA-3; this reader refuses the first three with a reason (an AR)
 * and the ACK below keeps the contract (ERR with a table 0357 code, the reason in MSA-3).
 * It reads the delimiters from MSH-1/MSH-2 instead of assuming |^~\&, unescapes \F\ \S\ \T\ \R\ \E\,
 * and refuses what it cannot read with a reason (the caller answers AR), never by throwing past it.
 */

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export interface Segment {
  name: string;
  /** fields[n] is field n (HL7 numbering): for MSH, fields[1] is the field separator, fields[2] the encoding characters. */
  fields: string[];
}

export interface Er7Message {
  delimiters: Delimiters;
  segments: Segment[];
}

export class Er7Error extends Error {
  constructor(
    message: string,
    /** HL7 table 0357 error code */
    readonly hl7Code: string = '100',
  ) {
    super(message);
    this.name = 'Er7Error';
  }
}

export function parseEr7(text: string): Er7Message {
  if (typeof text !== 'string' || !text.trim()) throw new Er7Error('empty message', '100');
  // MLLP framing characters may survive a relay; segments end in CR (LF and CRLF tolerated).
  // eslint-disable-next-line no-control-regex -- the MLLP start (VT) and end (FS) bytes are control characters
  const body = text.replace(/^\x0b/, '').replace(/\x1c\r?$/, '');
  // No HL7 v2 data type carries U+0000, and Postgres text cannot hold it: refused here as unreadable (AR),
  // not discovered by the first query that meets it (an AE "internal error" and an error in the log).
  if (body.includes('\u0000')) throw new Er7Error('the message holds a NUL byte (U+0000), which no HL7 v2 field may carry', '102');
  const lines = body.split(/\r\n|\r|\n/).filter((l) => l.length > 0);
  const msh = lines[0];
  if (!msh || !msh.startsWith('MSH') || msh.length < 8) throw new Er7Error('the message does not start with an MSH segment', '100');
  const field = msh[3];
  const enc = msh.slice(4, msh.indexOf(field, 4) === -1 ? undefined : msh.indexOf(field, 4));
  if (!/^[^A-Za-z0-9\s]$/.test(field) || enc.length < 4 || new Set([field, ...enc.slice(0, 4)]).size !== 5)
    throw new Er7Error('MSH-1/MSH-2 do not define five distinct delimiters', '102');
  const delimiters: Delimiters = { field, component: enc[0], repetition: enc[1], escape: enc[2], subcomponent: enc[3] };
  const segments: Segment[] = lines.map((line, i) => {
    const name = line.slice(0, 3);
    if (!/^[A-Z][A-Z0-9]{2}$/.test(name) || (line.length > 3 && line[3] !== field))
      throw new Er7Error(`segment ${i + 1} ("${line.slice(0, 10)}") is not a segment`, '100');
    const parts = line.split(field);
    // MSH-1 is the separator itself, so MSH's fields shift by one compared to split().
    const fields = name === 'MSH' ? ['MSH', field, ...parts.slice(1)] : parts;
    return { name, fields };
  });
  return { delimiters, segments };
}

function unescape(value: string, d: Delimiters): string {
  const e = d.escape;
  if (!value.includes(e)) return value;
  const map: Record<string, string> = { F: d.field, S: d.component, T: d.subcomponent, R: d.repetition, E: e };
  return value.replace(new RegExp(`${escapeRe(e)}([FSTRE])${escapeRe(e)}`, 'g'), (_, k: string) => map[k]);
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function segment(m: Er7Message, name: string): Segment | undefined {
  return m.segments.find((s) => s.name === name);
}

/** Field n of a segment, split into repetitions, each into components (unescaped). */
export function field(m: Er7Message, s: Segment | undefined, n: number): string[][] {
  const raw = s?.fields[n];
  if (raw === undefined || raw === '') return [];
  if (s!.name === 'MSH' && (n === 1 || n === 2)) return [[raw]];
  return raw.split(m.delimiters.repetition).map((rep) => rep.split(m.delimiters.component).map((c) => unescape(c, m.delimiters)));
}

/** First component of the first repetition (or component `c`, 1-based). */
export function value(m: Er7Message, s: Segment | undefined, n: number, c = 1): string | undefined {
  const v = field(m, s, n)[0]?.[c - 1];
  return v === undefined || v === '' ? undefined : v;
}

export interface MessageHeader {
  sendingApplication?: string;
  sendingFacility?: string;
  receivingApplication?: string;
  receivingFacility?: string;
  messageCode?: string;
  triggerEvent?: string;
  controlId?: string;
  processingId?: string;
  version?: string;
}

export function header(m: Er7Message): MessageHeader {
  const msh = segment(m, 'MSH');
  return {
    sendingApplication: value(m, msh, 3),
    sendingFacility: value(m, msh, 4),
    receivingApplication: value(m, msh, 5),
    receivingFacility: value(m, msh, 6),
    messageCode: value(m, msh, 9, 1),
    triggerEvent: value(m, msh, 9, 2),
    controlId: value(m, msh, 10),
    processingId: value(m, msh, 11),
    version: value(m, msh, 12),
  };
}

/** HL7 DTM (YYYYMMDDHHMMSS) in UTC. */
export function hl7Timestamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function escapeValue(v: string): string {
  // Standard delimiters in our own ACK: escape what could break the segment.
  return v
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/~/g, '\\R\\')
    .replace(/&/g, '\\T\\')
    .replace(/[\r\n]+/g, ' ');
}

export type AckCode = 'AA' | 'AE' | 'AR';

/**
 * An ACK for `h` (which may be partial when the message could not be read): MSH with sender and
 * receiver swapped, MSA echoing the control id (MSH-10), and ERR (HL7 table 0357 code) unless AA.
 */
export function buildAck(h: MessageHeader, code: AckCode, opts: { controlId: string; now: Date; text?: string; errorCode?: string }): string {
  const msh = [
    'MSH',
    '^~\\&',
    escapeValue(h.receivingApplication ?? 'BEDLINK'),
    escapeValue(h.receivingFacility ?? 'BEDLINK'),
    escapeValue(h.sendingApplication ?? ''),
    escapeValue(h.sendingFacility ?? ''),
    hl7Timestamp(opts.now),
    '',
    `ACK^${escapeValue(h.triggerEvent ?? '')}^ACK`,
    opts.controlId,
    escapeValue(h.processingId ?? 'P'),
    escapeValue(h.version ?? '2.5.1'),
  ].join('|');
  const msa = ['MSA', code, escapeValue(h.controlId ?? ''), ...(opts.text ? [escapeValue(opts.text)] : [])].join('|');
  const segs = [msh, msa];
  if (code !== 'AA') segs.push(['ERR', '', '', `${opts.errorCode ?? '207'}^${escapeValue(opts.text ?? 'error')}^HL70357`, code === 'AR' ? 'F' : 'E'].join('|'));
  return segs.join('\r') + '\r';
}
