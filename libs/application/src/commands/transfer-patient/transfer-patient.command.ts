import { BedlinkCommand } from '../../command';
import { PatientRef } from '../shared/patients';

/** A move within one institution (HL7 ADT^A02, or an A08 whose location changed). */
export interface TransferPatientPayload extends PatientRef {
  toBedId: string;
  reason?: string;
}

export class TransferPatientCommand extends BedlinkCommand<TransferPatientPayload> {
  static override readonly type = 'TransferPatient';
}
