import { BedlinkCommand } from '../../command';
import { PatientRef } from '../shared/patients';

/** HL7 ADT^A11: an admission entered in error. */
export interface CancelAdmissionPayload extends PatientRef {
  bedId: string;
  reason?: string;
}

export class CancelAdmissionCommand extends BedlinkCommand<CancelAdmissionPayload> {
  static override readonly type = 'CancelAdmission';
}
