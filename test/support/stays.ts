import { ok, smallDistrict } from './fixture';
import { client } from './http';

type District = Awaited<ReturnType<typeof smallDistrict>>;
type Client = ReturnType<typeof client>;

/**
 * Moves a patient into a named bed or programme the way production does: draft from `from`,
 * submit to that one place, accept, discharge, admit. Returns the referral id.
 */
export async function placePatient(
  d: District,
  patientId: string,
  req: { kind: string; services?: string[]; urgency?: string },
  to: { client: Client; institutionId: string; bedId?: string; programmeId?: string },
  from: Client = d.planner,
): Promise<string> {
  const r = await ok(
    from.post('/referrals', {
      patientId,
      requestedKind: req.kind,
      services: req.services ?? [],
      urgency: req.urgency ?? 'URGENT',
      clinicalSummary: 'placement',
      consent: true,
    }),
    'draft',
  );
  const place = to.bedId ? { bedId: to.bedId } : { programmeId: to.programmeId };
  const sub = await ok(from.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: to.institutionId, ...place }] }), 'submit');
  await ok(to.client.post(`/referrals/${r.referralId}/offers/${sub.offers[0].offerId}/accept`, place), 'accept');
  await ok(from.post(`/referrals/${r.referralId}/start-transfer`), 'transfer');
  await ok(to.client.post(`/referrals/${r.referralId}/confirm-admission`), 'admit');
  return r.referralId as string;
}

/** One of the given items, picked at run time: stories pass for any of them. */
export function pick<T>(...xs: T[]): T {
  return xs[Math.floor(Math.random() * xs.length)];
}
