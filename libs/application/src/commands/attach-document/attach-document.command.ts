import { BedlinkCommand } from '../../command';
import { ReferralRef } from '../shared/refs';

/** Built by the API after sniffing, scanning and storing the bytes; the blob's key is the document id. */
export interface AttachDocumentPayload extends ReferralRef {
  documentId: string;
  filename: string;
  mediaType: string;
  size: number;
  sha256: string;
  storage: 'postgres' | 's3';
  description?: string | null;
}

export class AttachDocumentCommand extends BedlinkCommand<AttachDocumentPayload> {
  static override readonly type = 'AttachDocument';
}
