import { AggregateRoot } from '../shared/events';
import { DistrictPolicyDoc } from './policy';

/** The stored policy of one district; every change is an audited event carrying the whole document. */
export class DistrictPolicy extends AggregateRoot {
  readonly aggregateType = 'DistrictPolicy' as const;
  private constructor(
    private readonly _id: string,
    private doc: DistrictPolicyDoc,
  ) {
    super();
  }
  static create(id: string, doc: DistrictPolicyDoc, at: Date, reason?: string): DistrictPolicy {
    const p = new DistrictPolicy(id, doc);
    p.record('DistrictPolicyChanged', { districtId: doc.districtId, document: doc }, at, reason);
    return p;
  }
  static rehydrate(id: string, doc: DistrictPolicyDoc, version: number): DistrictPolicy {
    const p = new DistrictPolicy(id, doc);
    p.version = version;
    return p;
  }
  get id(): string {
    return this._id;
  }
  get document(): DistrictPolicyDoc {
    return this.doc;
  }
  replace(doc: DistrictPolicyDoc, at: Date, reason?: string): void {
    this.doc = doc;
    this.record('DistrictPolicyChanged', { districtId: doc.districtId, document: doc }, at, reason);
  }
}
