import { randomUUID } from 'node:crypto';
import { mintToken } from '@bedlink/auth';
import { DEMO_DISTRICT, loadConfig } from '@bedlink/config';
import { residentIdCheckChar, Role } from '@bedlink/domain';

/**
 * Opt-in load for the demo district, so the dashboard and the inboxes move: npm run demo:load
 * [-- --every 4000 --rounds 0]. Each round a hospital refers a new patient downwards; receivers
 * answer pending offers (mostly accept on a free bed, sometimes decline with a coded reason); held
 * beds are transferred and admitted. Everything goes through the HTTP API as each role would, with
 * development tokens (never in production). Stops after --rounds (0: until Ctrl-C).
 */
const cfg = loadConfig();
if (cfg.NODE_ENV === 'production') {
  console.error('[load] refused: NODE_ENV=production');
  process.exit(2);
}
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const every = arg('every', 4000);
const rounds = arg('rounds', 0);
const api = cfg.PUBLIC_URL ?? `http://127.0.0.1:${cfg.PORT}`;
const token = (role: Role, inst: string | null, sub: string) => mintToken(cfg.JWT_SECRET, { sub, role, inst, dist: DEMO_DISTRICT }, '2h');

async function call<T = any>(tok: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(api + path, {
    method,
    headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json', ...(method === 'GET' ? {} : { 'idempotency-key': randomUUID() }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

interface Inst {
  id: string;
  name: string;
  type: string;
  districtId: string;
}
const ROLE_OF: Record<string, Role> = {
  REGIONAL_MEDICAL_CENTRE: 'DISCHARGE_PLANNER',
  COMMUNITY_HEALTH_CENTRE: 'COMMUNITY_COORDINATOR',
  ELDERLY_CARE_INSTITUTION: 'CARE_HOME_ADMISSIONS',
};
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

async function main(): Promise<void> {
  const dc = token('DISTRICT_COORDINATOR', null, 'load.district');
  const insts = (await call<Inst[]>(dc, 'GET', '/institutions')).body.filter((i) => i.districtId === DEMO_DISTRICT);
  if (!insts.length) throw new Error(`no institutions in ${DEMO_DISTRICT}: run npm run seed first`);
  const as = (i: Inst) => token(ROLE_OF[i.type], i.id, `load.${i.type.slice(0, 3).toLowerCase()}`);
  const hospitals = insts.filter((i) => i.type === 'REGIONAL_MEDICAL_CENTRE');
  const centres = insts.filter((i) => i.type === 'COMMUNITY_HEALTH_CENTRE');
  let n = Number(Date.now().toString().slice(-5));
  console.log(`[load] ${api}: a referral every ${every} ms${rounds ? ` for ${rounds} rounds` : ''} (Ctrl-C stops)`);
  for (let round = 1; !rounds || round <= rounds; round++) {
    const h = pick(hospitals);
    const c = pick(centres);
    const body = `310106${1930 + (n % 50)}${String(1 + (Math.floor(n / 50) % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}${String(n % 1000).padStart(3, '0')}`;
    n++;
    const p = await call(as(h), 'POST', '/patients', {
      residentId: body + residentIdCheckChar(body),
      name: `负载患者${round}`,
      assessment: { grade: 3, type: 'INITIAL', assessedOn: new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10), expiresOn: '2099-01-01' },
    });
    if (p.status < 300) {
      const r = await call(as(h), 'POST', '/referrals', {
        patientId: p.body.patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: pick(['ROUTINE', 'ROUTINE', 'URGENT']),
        clinicalSummary: '负载演示：术后康复',
        careLevel: 3,
        consent: true,
      });
      if (r.status < 300) {
        await call(as(h), 'POST', `/referrals/${r.body.referralId}/submit`);
        await call(as(h), 'POST', `/referrals/${r.body.referralId}/offers`, { targetInstitutionId: c.id });
      }
    }
    // receivers answer what waits for them; held beds move on
    for (const i of [...centres, ...insts.filter((x) => x.type === 'ELDERLY_CARE_INSTITUTION')].sort(() => Math.random() - 0.5).slice(0, 4)) {
      const t = as(i);
      const offered = (await call<any[]>(t, 'GET', '/referrals?side=target&state=OFFERED&limit=5')).body ?? [];
      for (const ref of offered.slice(0, 1)) {
        const offer = ref.offers?.find((o: any) => o.targetInstitutionId === i.id && ['PENDING', 'VIEWED'].includes(o.state));
        if (!offer) continue;
        if (Math.random() < 0.25)
          await call(t, 'POST', `/referrals/${ref.id}/offers/${offer.id}/decline`, { reason: pick(['NO_CAPACITY', 'STAFFING', 'LEVEL_OF_CARE_MISMATCH']) });
        else {
          const bed = (await call<any[]>(t, 'GET', `/beds?institutionId=${i.id}&kind=${ref.requestedKind}&status=U&limit=1`)).body?.[0];
          if (bed) await call(t, 'POST', `/referrals/${ref.id}/offers/${offer.id}/accept`, { bedId: bed.id });
        }
      }
      for (const ref of ((await call<any[]>(t, 'GET', '/referrals?side=target&state=IN_TRANSFER&limit=3')).body ?? []).slice(0, 1))
        await call(t, 'POST', `/referrals/${ref.id}/confirm-admission`);
    }
    for (const h2 of hospitals)
      for (const ref of ((await call<any[]>(as(h2), 'GET', '/referrals?state=ACCEPTED&limit=3')).body ?? []).slice(0, 1))
        await call(as(h2), 'POST', `/referrals/${ref.id}/start-transfer`);
    if (round % 10 === 0) console.log(`[load] ${round} rounds`);
    await new Promise((res) => setTimeout(res, every));
  }
}

main().catch((e) => {
  console.error(`[load] failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
