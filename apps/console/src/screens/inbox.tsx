import { useState } from 'react';
import { api } from '../api';
import { useApp } from '../app';
import { useAction, useLive, useLoad } from '../hooks';
import { Bed, isReferralEvent, LIVE_OFFER, Referral } from '../model';
import { CardHeader, CardList, CsvButton, ErrorBox, fmtTime, LinkButton, StateBadge } from '../ui';
import { OfferCard } from './offer-card';
import type { Programme } from './programmes';
import { WaitingList } from './waiting-list';

/** A receiving institution's home: offers to answer (they arrive live) and accepted referrals to admit. */
export function Inbox() {
  const { t, claims } = useApp();
  const mine = claims.inst!;
  const offered = useLoad(() => api.get<Referral[]>('/referrals?side=target&state=OFFERED&limit=100'), []);
  const arriving = useLoad(async () => {
    const [a, b] = await Promise.all([
      api.get<Referral[]>('/referrals?side=target&state=ACCEPTED'),
      api.get<Referral[]>('/referrals?side=target&state=IN_TRANSFER'),
    ]);
    return [...a, ...b].filter((r) => r.reservations.some((x) => x.institutionId === mine && x.state === 'HELD'));
  }, [mine]);
  const beds = useLoad(() => api.get<Bed[]>(`/beds?institutionId=${mine}&status=U&limit=500`), [mine]);
  const programmes = useLoad(() => api.get<Programme[]>(`/programmes?institutionId=${mine}`), [mine]);
  const [flash, setFlash] = useState('');
  const reloadAll = () => {
    offered.reload();
    arriving.reload();
    beds.reload();
    programmes.reload();
  };
  useLive(
    (e) => isReferralEvent(e) || e.aggregateType === 'Bed',
    reloadAll,
    (e) => {
      if (e.type === 'OfferExtended' && e.payload.targetInstitutionId === mine) setFlash(t('inbox.newArrived'));
    },
  );
  const pending = (offered.data ?? []).flatMap((r) =>
    r.offers.filter((o) => o.targetInstitutionId === mine && LIVE_OFFER.includes(o.state)).map((o) => ({ r, o })),
  );
  return (
    <section aria-labelledby="in-h">
      <div className="row between">
        <h2 id="in-h">{t('inbox.title')}</h2>
        <CsvButton
          name="inbox"
          rows={() => [
            [
              t('inbox.from'),
              t('outbox.requestedKind'),
              t('outbox.urgency'),
              t('inbox.careLevel'),
              t('inbox.services'),
              t('state'),
              t('outbox.deadline'),
              t('audit.referralId'),
            ],
            ...pending.map(({ r, o }) => [
              r.origin.name ?? r.origin.institutionId,
              t(`kind.${r.requestedKind}`),
              t(`urgency.${r.urgency}`),
              r.careLevel,
              r.services.map((s) => t(`service.${s}`)).join(t('cols.sep')),
              t(`offerState.${o.state}`),
              fmtTime(o.deadlineAt),
              r.id,
            ]),
            ...(arriving.data ?? []).map((r) => [
              r.origin.name ?? r.origin.institutionId,
              t(`kind.${r.requestedKind}`),
              t(`urgency.${r.urgency}`),
              r.careLevel,
              r.services.map((s) => t(`service.${s}`)).join(t('cols.sep')),
              t(`referralState.${r.state}`),
              '',
              r.id,
            ]),
          ]}
        />
      </div>
      <p role="status" aria-live="polite" className="flash">
        {flash}
      </p>
      <h3>{t('inbox.pending')}</h3>
      <CardList query={offered} empty={!pending.length} data-testid="inbox-list">
        {pending.map(({ r, o }) => (
          <OfferCard
            key={o.id}
            r={r}
            o={o}
            beds={(beds.data ?? []).filter((b) => !b.reserved && b.kind === r.requestedKind)}
            programmes={(programmes.data ?? []).filter((p) => p.kind === r.requestedKind && p.free > 0)}
            onChanged={reloadAll}
          />
        ))}
      </CardList>
      <h3>{t('inbox.incoming')}</h3>
      <CardList query={arriving} empty={!arriving.data?.length} data-testid="arriving-list">
        {(arriving.data ?? []).map((r) => (
          <Arriving key={r.id} r={r} onChanged={reloadAll} />
        ))}
      </CardList>
      <WaitingList institutionId={mine} />
    </section>
  );
}

function Arriving({ r, onChanged }: { r: Referral; onChanged: () => void }) {
  const { t, go } = useApp();
  const { run, error } = useAction(onChanged);
  return (
    <li className="card" data-testid={`arriving-${r.id}`}>
      <CardHeader
        title={
          <>
            {t('inbox.from')} {r.origin.name} · {t(`kind.${r.requestedKind}`)}
          </>
        }
      >
        <StateBadge state={r.state} />
      </CardHeader>
      <p>{r.clinicalSummary}</p>
      <LinkButton onClick={() => go('referral', r.id)}>{t('outbox.detail')}</LinkButton>
      {r.state === 'IN_TRANSFER' && (
        <button type="button" onClick={() => run(() => api.post(`/referrals/${r.id}/confirm-admission`))} data-testid="confirm-admission">
          {t('inbox.confirm')}
        </button>
      )}
      <ErrorBox error={error} />
    </li>
  );
}
