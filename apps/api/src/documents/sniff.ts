import { DomainError } from '@bedlink/domain';
// file-type 16 is the last CommonJS release
import { fromBuffer } from 'file-type';

/** What a referral may carry, by what the bytes are (the client's Content-Type and file extension are ignored). */
const BINARY_TYPES = new Set(['application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/tiff']);
export const CDA_MEDIA_TYPE = 'application/hl7-cda+xml';
export const FHIR_JSON_MEDIA_TYPE = 'application/fhir+json';
export const ALLOWED_MEDIA_TYPES = [...BINARY_TYPES, CDA_MEDIA_TYPE, FHIR_JSON_MEDIA_TYPE];

const notAllowed = (found: string) =>
  new DomainError('DOCUMENT_TYPE_NOT_ALLOWED', `this file is ${found}; a referral carries ${ALLOWED_MEDIA_TYPES.join(', ')}`, {
    found,
    allowed: ALLOWED_MEDIA_TYPES,
  });

/**
 * The media type of a file, from its bytes: magic numbers (file-type) for binary formats; for
 * text, a CDA document (an XML document whose root is HL7 v3 ClinicalDocument) or a FHIR resource
 * (a JSON object with a resourceType). Anything else is refused with what it was found to be.
 */
export async function sniff(bytes: Buffer): Promise<string> {
  const found = await fromBuffer(bytes);
  if (found && BINARY_TYPES.has(found.mime)) return found.mime;
  if (found && found.mime !== 'application/xml') throw notAllowed(found.mime);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw notAllowed('binary data of an unknown kind');
  }
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (body.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw notAllowed('text that is not valid JSON');
    }
    const type = (json as { resourceType?: unknown })?.resourceType;
    if (typeof type === 'string' && /^[A-Z][A-Za-z]{1,63}$/.test(type)) return FHIR_JSON_MEDIA_TYPE;
    throw notAllowed('JSON without a FHIR resourceType');
  }
  if (body.startsWith('<')) {
    // the root element, past the XML declaration, comments and processing instructions
    const root = /^(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*)*<(?:[A-Za-z_][\w.-]*:)?ClinicalDocument[\s>]/.exec(body);
    if (root && /urn:hl7-org:v3/.test(body.slice(0, 4096))) return CDA_MEDIA_TYPE;
    throw notAllowed('XML that is not an HL7 CDA document');
  }
  throw notAllowed('plain text');
}

/**
 * The name shown to people, never a path: control characters and bidirectional overrides removed
 * (a "gpj.exe" shown as "exe.jpg"), directories stripped, no leading dots, at most 200 characters.
 * Storage never uses it (the blob's key is the document id).
 */
export function safeFilename(raw: string | undefined | null): string {
  let s = (raw ?? '').normalize('NFC');
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  s = s.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '');
  s = s.split(/[\\/]/).pop() ?? '';
  s = s.replace(/^[.\s]+/, '').trim();
  return [...s].slice(0, 200).join('') || 'document';
}

/** RFC 6266 Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 5987). */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const utf8 = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
