import { Client } from 'pg';
import { mintToken } from '@bedlink/auth';
import { http, HttpReply } from './support';

/**
 * Virtual users over the real HTTP API. A lifecycle is what the people do: the discharge planner
 * drafts, submits and extends an offer (a quarter of the time two, and the first receiver
 * declines), the receiver opens and accepts, the planner starts the transfer and the receiver
 * confirms the admission. Every step is a command awaited with its result.
 */

export interface Registry {
  hospitals: { id: string; districtId: string }[];
  /** Free target beds per district and kind, each handed out once. */
  freeBeds: Map<string, { bedId: string; institutionId: string }[]>;
  patients: Map<string, string[]>;
  roleOf: Map<string, 'COMMUNITY_COORDINATOR' | 'CARE_HOME_ADMISSIONS'>;
  districtOf: Map<string, string>;
}

export async function loadRegistry(url: string, patientsByHospital?: Map<string, string[]>): Promise<Registry> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const inst = (await c.query(`SELECT id, district_id, type FROM institutions`)).rows as { id: string; district_id: string; type: string }[];
    const beds = (
      await c.query(
        `SELECT b.id, b.institution_id, b.district_id, b.kind FROM beds b
         WHERE b.status = 'U' AND b.kind IN ('COMMUNITY','CARE_HOME') AND NOT EXISTS (SELECT 1 FROM reservations x WHERE x.bed_id = b.id AND x.state = 'HELD')
         ORDER BY random()`,
      )
    ).rows as { id: string; institution_id: string; district_id: string; kind: string }[];
    const freeBeds = new Map<string, { bedId: string; institutionId: string }[]>();
    for (const b of beds) {
      const k = `${b.district_id}/${b.kind}`;
      if (!freeBeds.has(k)) freeBeds.set(k, []);
      freeBeds.get(k)!.push({ bedId: b.id, institutionId: b.institution_id });
    }
    let patients = patientsByHospital;
    if (!patients) {
      const rows = (
        await c.query(
          `SELECT p.id, p.registered_by_institution AS h FROM patients p
           WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE r.patient_id = p.id) AND NOT EXISTS (SELECT 1 FROM beds b WHERE b.occupant_patient_id = p.id)`,
        )
      ).rows as { id: string; h: string }[];
      patients = new Map();
      for (const r of rows) {
        if (!patients.has(r.h)) patients.set(r.h, []);
        patients.get(r.h)!.push(r.id);
      }
    }
    return {
      hospitals: inst
        .filter((i) => i.type === 'REGIONAL_MEDICAL_CENTRE' && (patients!.get(i.id)?.length ?? 0) > 0)
        .map((i) => ({ id: i.id, districtId: i.district_id })),
      freeBeds,
      patients,
      roleOf: new Map(
        inst
          .filter((i) => i.type !== 'REGIONAL_MEDICAL_CENTRE')
          .map((i) => [i.id, i.type === 'COMMUNITY_HEALTH_CENTRE' ? 'COMMUNITY_COORDINATOR' : 'CARE_HOME_ADMISSIONS']),
      ),
      districtOf: new Map(inst.map((i) => [i.id, i.district_id])),
    };
  } finally {
    await c.end();
  }
}

export interface CommandSample {
  type: string;
  status: number;
  ms: number;
  at: number;
  code?: string;
  /** Server-Timing stages of the answer (ms); `poll` is time spent polling after a 202. */
  stages?: Record<string, number>;
  /** The API answered 202 and the driver polled the status URL. */
  followed?: boolean;
}

export class LoadDriver {
  readonly samples: CommandSample[] = [];
  completed = 0;
  failed = 0;
  readonly failures = new Map<string, number>();
  private readonly tokens = new Map<string, string>();
  private next = 0;
  /** Referral ids this driver created, with the last state it saw. */
  readonly referrals = new Map<string, string>();

  private readonly baseUrls: string[];
  private turn = 0;

  /** Several base URLs: one API process each, taken in turn per request (a round-robin balancer). */
  constructor(
    baseUrl: string | string[],
    private readonly secret: string,
    private readonly reg: Registry,
    private readonly opts: { declineShare?: number; timeoutMs?: number; retry503?: boolean } = {},
  ) {
    this.baseUrls = Array.isArray(baseUrl) ? baseUrl : [baseUrl];
  }

  private get baseUrl(): string {
    return this.baseUrls[this.turn++ % this.baseUrls.length];
  }

  private token(institutionId: string, role: string): string {
    const k = `${role}/${institutionId}`;
    let t = this.tokens.get(k);
    if (!t) {
      t = mintToken(this.secret, {
        sub: `bench-${role.toLowerCase()}-${institutionId.slice(0, 8)}`,
        role: role as any,
        inst: institutionId,
        dist: this.reg.districtOf.get(institutionId) ?? null,
      });
      this.tokens.set(k, t);
    }
    return t;
  }

  private async cmd(type: string, token: string, path: string, body: unknown, key: string): Promise<HttpReply> {
    for (let attempt = 1; ; attempt++) {
      let r: HttpReply;
      try {
        r = await http(this.baseUrl, 'POST', path, token, body, { 'idempotency-key': key }, this.opts.timeoutMs ?? 30_000);
      } catch (e) {
        r = { status: 0, body: { code: 'NETWORK', message: e instanceof Error ? e.message : String(e) }, ms: 0 };
      }
      let followed = false;
      if (r.status === 202 && r.body?.statusUrl && !this.opts.retry503) {
        const first = r;
        r = await this.follow(r, token);
        r.stages = { ...first.stages, poll: r.ms - first.ms };
        followed = true;
      }
      this.samples.push({ type, status: r.status, ms: r.ms, at: Date.now(), code: r.status >= 300 ? r.body?.code : undefined, stages: r.stages, followed });
      // A fault-tolerant client retries with the same Idempotency-Key: the command runs at most once.
      if (this.opts.retry503 && (r.status === 503 || r.status === 202 || r.status === 0 || r.status === 500) && attempt < 60) {
        await new Promise((res) => setTimeout(res, Math.min(2000, 100 * attempt)));
        continue;
      }
      if (r.status >= 300)
        throw Object.assign(new Error(`${type}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`), { code: r.body?.code ?? String(r.status) });
      return r;
    }
  }

  /** 202 (the worker took longer than the API waits): poll the status URL, as a client must. */
  private async follow(first: HttpReply, token: string): Promise<HttpReply> {
    let ms = first.ms;
    for (let i = 0; i < 600; i++) {
      await new Promise((res) => setTimeout(res, 100));
      ms += 100;
      const s = await http(this.baseUrl, 'GET', first.body.statusUrl, token).catch(() => undefined);
      if (!s) continue;
      ms += s.ms;
      if (s.status === 200 && s.body?.state === 'completed') {
        const o = s.body.outcome;
        return o?.ok ? { status: 200, body: { commandId: s.body.commandId, ...o.result }, ms } : { status: 409, body: o?.error ?? { code: 'UNKNOWN' }, ms };
      }
    }
    return { status: 504, body: { code: 'BENCH_GAVE_UP' }, ms };
  }

  private popBed(districtId: string, kind: string, notAt?: string): { bedId: string; institutionId: string } | undefined {
    const list = this.reg.freeBeds.get(`${districtId}/${kind}`);
    if (!list?.length) return undefined;
    for (let i = list.length - 1; i >= 0 && i >= list.length - 20; i--) {
      if (list[i].institutionId !== notAt) return list.splice(i, 1)[0];
    }
    return undefined;
  }

  /** One referral from draft to admission; resolves true when COMPLETED. */
  async lifecycle(): Promise<boolean> {
    const n = this.next++;
    const hospital = this.reg.hospitals[n % this.reg.hospitals.length];
    const patientId = this.reg.patients.get(hospital.id)?.pop();
    const kind = n % 5 < 3 ? 'COMMUNITY' : 'CARE_HOME';
    const target = this.popBed(hospital.districtId, kind);
    const decline = Math.random() < (this.opts.declineShare ?? 0.25);
    const other = decline && target ? this.popBed(hospital.districtId, kind, target.institutionId) : undefined;
    if (!patientId || !target) {
      this.failed++;
      this.failures.set('BENCH_RAN_OUT_OF_DATA', (this.failures.get('BENCH_RAN_OUT_OF_DATA') ?? 0) + 1);
      return false;
    }
    const planner = this.token(hospital.id, 'DISCHARGE_PLANNER');
    const receiver = this.token(target.institutionId, this.reg.roleOf.get(target.institutionId)!);
    let referralId: string | undefined;
    try {
      const drafted = await this.cmd(
        'DraftReferral',
        planner,
        '/referrals',
        {
          patientId,
          requestedKind: kind,
          services: kind === 'COMMUNITY' ? ['REHAB'] : ['NURSING'],
          urgency: 'ROUTINE',
          clinicalSummary: '80F, hip fracture day 10, stable, needs rehabilitation and nursing',
          careLevel: 3,
          consent: true,
        },
        `d-${patientId}`,
      );
      referralId = drafted.body.referralId as string;
      this.referrals.set(referralId, 'DRAFT');
      await this.cmd('SubmitReferral', planner, `/referrals/${referralId}/submit`, {}, `s-${referralId}`);
      this.referrals.set(referralId, 'SUBMITTED');
      if (other) {
        const declined = await this.cmd(
          'ExtendOffer',
          planner,
          `/referrals/${referralId}/offers`,
          { targetInstitutionId: other.institutionId, targetBedId: other.bedId },
          `o1-${referralId}`,
        );
        this.referrals.set(referralId, 'OFFERED');
        const otherReceiver = this.token(other.institutionId, this.reg.roleOf.get(other.institutionId)!);
        const offer = await this.cmd(
          'ExtendOffer',
          planner,
          `/referrals/${referralId}/offers`,
          { targetInstitutionId: target.institutionId, targetBedId: target.bedId },
          `o2-${referralId}`,
        );
        await this.cmd('ViewOffer', otherReceiver, `/referrals/${referralId}/offers/${declined.body.offerId}/view`, {}, `v1-${referralId}`);
        await this.cmd(
          'DeclineOffer',
          otherReceiver,
          `/referrals/${referralId}/offers/${declined.body.offerId}/decline`,
          { reason: 'NO_CAPACITY' },
          `x1-${referralId}`,
        );
        this.giveBack(hospital.districtId, kind, other);
        await this.finish(referralId, offer.body.offerId, receiver, planner, target.bedId);
      } else {
        const offer = await this.cmd(
          'ExtendOffer',
          planner,
          `/referrals/${referralId}/offers`,
          { targetInstitutionId: target.institutionId, targetBedId: target.bedId },
          `o1-${referralId}`,
        );
        this.referrals.set(referralId, 'OFFERED');
        await this.finish(referralId, offer.body.offerId, receiver, planner, target.bedId);
      }
      this.completed++;
      return true;
    } catch (e) {
      this.failed++;
      const code = (e as { code?: string }).code ?? 'ERROR';
      this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
      return false;
    }
  }

  private giveBack(districtId: string, kind: string, bed: { bedId: string; institutionId: string }): void {
    this.reg.freeBeds.get(`${districtId}/${kind}`)?.unshift(bed);
  }

  private async finish(referralId: string, offerId: string, receiver: string, planner: string, bedId: string): Promise<void> {
    await this.cmd('ViewOffer', receiver, `/referrals/${referralId}/offers/${offerId}/view`, {}, `v2-${referralId}`);
    await this.cmd('AcceptOffer', receiver, `/referrals/${referralId}/offers/${offerId}/accept`, { bedId }, `a-${referralId}`);
    this.referrals.set(referralId, 'ACCEPTED');
    await this.cmd('StartTransfer', planner, `/referrals/${referralId}/start-transfer`, {}, `t-${referralId}`);
    this.referrals.set(referralId, 'IN_TRANSFER');
    await this.cmd('ConfirmAdmission', receiver, `/referrals/${referralId}/confirm-admission`, {}, `c-${referralId}`);
    this.referrals.set(referralId, 'COMPLETED');
  }
}

/** Lifecycles arrive at a fixed rate whatever the system does (open loop). */
export async function openLoop(
  driver: LoadDriver,
  lifecyclesPerSec: number,
  seconds: number,
  maxInFlight = 5000,
): Promise<{ started: number; dropped: number }> {
  const interval = 1000 / lifecyclesPerSec;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const inflight = new Set<Promise<unknown>>();
  let started = 0;
  let dropped = 0;
  for (let k = 0; ; k++) {
    const due = t0 + k * interval;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inflight.size >= maxInFlight) {
      dropped++;
      continue;
    }
    const p = driver.lifecycle().finally(() => inflight.delete(p));
    inflight.add(p);
    started++;
  }
  await Promise.all(inflight);
  return { started, dropped };
}

/** N users, each starting its next lifecycle when the last one ends (closed loop). */
export async function closedLoop(driver: LoadDriver, users: number, seconds: number): Promise<void> {
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: users }, async () => {
      while (Date.now() < end) await driver.lifecycle();
    }),
  );
}
