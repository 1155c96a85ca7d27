import { residentIdCheckChar } from '@bedlink/domain';
import { ok } from './fixture';
import { client } from './http';

type Client = ReturnType<typeof client>;

/** Unique valid resident ids for registry suites (born on 11 June, so never equal to the foundation fixture's 15 March ids). */
export function registryResidentId(i: number, salt = 0): string {
  const year = 1930 + ((Math.floor(i / 1000) + salt) % 30);
  const body = `310106${year}0611${String(i % 1000).padStart(3, '0')}`;
  return body + residentIdCheckChar(body);
}

let seq = 0;
const salt = Math.floor(Math.random() * 30);
export async function newPatient(by: Client, extra: Record<string, unknown> = {}): Promise<string> {
  const n = seq++;
  // care placements need a current needs assessment (district policy): grade 4 qualifies for every care bed
  const today = new Date();
  const assessment = {
    grade: 4,
    type: 'INITIAL',
    assessedOn: new Date(today.getTime() - 30 * 86_400_000).toISOString().slice(0, 10),
    expiresOn: new Date(today.getTime() + 365 * 86_400_000).toISOString().slice(0, 10),
  };
  return (await ok(by.post('/patients', { residentId: registryResidentId(n, salt), name: `登记患者${n}`, assessment, ...extra }), 'patient'))
    .patientId as string;
}

/** Runs tasks at most `width` at a time (the commands queue and 2 shared cores). */
export async function inBatches<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += width) out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => task(i + k)))));
  return out;
}

/** Draft + submit + one offer to `target`, from the origin client. */
export async function referralWithOffer(
  origin: Client,
  patientId: string,
  body: Record<string, unknown>,
  offer: { targetInstitutionId: string; targetBedId?: string; targetProgrammeId?: string },
): Promise<{ referralId: string; offerId: string }> {
  const { referralId } = await ok(
    origin.post('/referrals', { patientId, services: [], urgency: 'ROUTINE', clinicalSummary: 'stable, ready to move', consent: true, ...body }),
    'draft',
  );
  await ok(origin.post(`/referrals/${referralId}/submit`), 'submit');
  const o = await ok(origin.post(`/referrals/${referralId}/offers`, offer), 'offer');
  return { referralId, offerId: o.offerId };
}
