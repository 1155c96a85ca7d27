import { Role } from '@bedlink/domain';
import { BedlinkCommand } from '../../command';

/**
 * The password is hashed (Argon2id) by the API, which received it; the command, and so the Redis
 * job, the audit log, the outbox and the command log, only ever carries the hash.
 */
export interface CreateUserAccountPayload {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  institutionId?: string | null;
  districtId?: string | null;
  passwordHash: string;
}

export class CreateUserAccountCommand extends BedlinkCommand<CreateUserAccountPayload> {
  static override readonly type = 'CreateUserAccount';
}
