import { useState } from 'react';
import { HOME_BED_KINDS } from '../../../../libs/domain/src/beds/bed-kinds';
import { DECLINE_REASONS } from '../../../../libs/domain/src/referral/referral-machine';
import { api } from '../api';
import { useApp } from '../app';
import { useAction } from '../hooks';
import { Bed, Offer, Referral } from '../model';
import type { Programme } from './programmes';
import { CardHeader, Countdown, ErrorBox, LinkButton, options, Select, TextField } from '../ui';

/** Home beds are places on a programme, not physical beds. */
const HOME_KINDS: readonly string[] = HOME_BED_KINDS;

/** One offer in the inbox: opening it records OfferViewed; accept with a free bed, or decline with a coded reason. */
export function OfferCard({
  r,
  o,
  beds,
  programmes = [],
  onChanged,
}: {
  r: Referral;
  o: Offer;
  beds: Bed[];
  /** For a home-bed referral (家庭病床 / 家庭养老床位): my programmes of that kind with a free place. */
  programmes?: Programme[];
  onChanged: () => void;
}) {
  const { t, go } = useApp();
  const [open, setOpen] = useState(false);
  const [bed, setBed] = useState('');
  const [reason, setReason] = useState('');
  const [text, setText] = useState('');
  const { run, busy, error } = useAction(onChanged);
  const offer = `/referrals/${r.id}/offers/${o.id}`;
  const doOpen = () => {
    setOpen(true);
    if (o.state === 'PENDING') void run(() => api.post(`${offer}/view`));
  };
  return (
    <li className="card" data-testid={`offer-${r.id}`}>
      <CardHeader
        title={
          <>
            {t('inbox.from')} {r.origin.name} · {t(`kind.${r.requestedKind}`)} · {t(`urgency.${r.urgency}`)}
          </>
        }
      >
        <span>
          {t('inbox.timeLeft')} <Countdown until={o.deadlineAt} />
        </span>
      </CardHeader>
      {!open ? (
        <button type="button" onClick={doOpen} data-testid="open-offer">
          {t('inbox.open')}
        </button>
      ) : (
        <div>
          <dl className="summary">
            <dt>{t('inbox.summary')}</dt>
            <dd>{r.clinicalSummary}</dd>
            <dt>{t('inbox.careLevel')}</dt>
            <dd>{r.careLevel ?? '—'}</dd>
            <dt>{t('inbox.services')}</dt>
            <dd>{r.services.map((s) => t(`service.${s}`)).join(t('cols.sep')) || '—'}</dd>
          </dl>
          <LinkButton onClick={() => go('referral', r.id)}>{t('outbox.detail')}</LinkButton>
          {HOME_KINDS.includes(r.requestedKind) ? (
            <div className="row">
              <Select
                label={t('inboxHome.pickProgramme')}
                value={bed}
                onChange={setBed}
                blank={programmes.length ? '—' : t('inboxHome.noProgrammes')}
                choices={programmes.map((p) => ({ value: p.id, label: `${p.name} · ${t('prog.free')} ${p.free}` }))}
                data-testid="pick-programme"
              />
              <button
                type="button"
                disabled={busy || !bed}
                onClick={() => run(() => api.post(`${offer}/accept`, { programmeId: bed }))}
                data-testid="accept-offer"
              >
                {t('inbox.accept')}
              </button>
            </div>
          ) : (
            <div className="row">
              <Select
                label={t('inbox.pickBed')}
                value={bed}
                onChange={setBed}
                blank={beds.length ? '—' : t('inbox.noBeds')}
                choices={beds.map((b) => ({ value: b.id, label: `${b.ward} · ${b.label}` }))}
                data-testid="pick-bed"
              />
              <button type="button" disabled={busy || !bed} onClick={() => run(() => api.post(`${offer}/accept`, { bedId: bed }))} data-testid="accept-offer">
                {t('inbox.accept')}
              </button>
            </div>
          )}
          <div className="row">
            <Select
              label={t('inbox.declineReason')}
              value={reason}
              onChange={setReason}
              blank="—"
              choices={options(t, 'decline', DECLINE_REASONS)}
              data-testid="decline-reason"
            />
            <TextField label={t('inbox.declineText')} value={text} onChange={setText} maxLength={1000} />
            <button
              type="button"
              className="danger"
              disabled={busy || !reason || (reason === 'OTHER' && !text.trim())}
              onClick={() => run(() => api.post(`${offer}/decline`, { reason, ...(text.trim() ? { text: text.trim() } : {}) }))}
              data-testid="decline-offer"
            >
              {t('inbox.decline')}
            </button>
          </div>
        </div>
      )}
      <ErrorBox error={error} />
    </li>
  );
}
