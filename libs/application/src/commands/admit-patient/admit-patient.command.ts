import { Sex } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

/** An admission the institution records itself (HL7 ADT^A01): a direct admission, not through a referral. */
export interface AdmitPatientPayload {
  bedId: string;
  /** The patient by resident ID (PID-3); unknown to the network, they are registered with `name`. */
  residentId: string;
  name?: string;
  sex?: Sex;
  birthDate?: string;
  reason?: string;
}

export class AdmitPatientCommand extends BedlinkCommand<AdmitPatientPayload> {
  static override readonly type = 'AdmitPatient';
}
