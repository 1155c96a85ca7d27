import { signWebhook, verifyWebhookSignature } from './webhook-signature';
import { involvedInstitutions, webhookBody } from './webhook-body';
import { isPrivateAddress, privateTargetReason } from './webhook-url';

describe('webhook signature', () => {
  const secret = 'whsec_test';
  const body = '{"id":"e1","type":"OfferAccepted"}';

  it('verifies a fresh signature over the raw body', () => {
    const h = signWebhook(secret, body, 1_700_000_000);
    expect(h).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(secret, h, body, 1_700_000_010)).toEqual({ ok: true, t: 1_700_000_000 });
  });

  it('refuses a changed body, a wrong secret, a moved timestamp, a stale one and garbage', () => {
    const h = signWebhook(secret, body, 1_700_000_000);
    expect(verifyWebhookSignature(secret, h, body.replace('e1', 'e2'), 1_700_000_000)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature('other', h, body, 1_700_000_000)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature(secret, h.replace('t=1700000000', 't=1700000500'), body, 1_700_000_500)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature(secret, h, body, 1_700_000_301)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWebhookSignature(secret, 'v1=abc', body)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyWebhookSignature(secret, undefined, body)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('webhook body', () => {
  const meta = { occurredAt: '2026-01-01T00:00:00.000Z' } as any;

  it('names every institution an event concerns', () => {
    expect(involvedInstitutions({ originInstitutionId: 'a', targetInstitutionId: 'b' }).sort()).toEqual(['a', 'b']);
    expect(involvedInstitutions({ originInstitutionId: 'a', involved: ['a', 'c'] }).sort()).toEqual(['a', 'c']);
    expect(involvedInstitutions({ institutionId: 'x' })).toEqual(['x']);
    expect(involvedInstitutions({ nothing: 1 })).toEqual([]);
  });

  it('never carries a patient identifier, even if a payload had one', () => {
    const b = JSON.parse(
      webhookBody({
        eventId: 'e',
        type: 'PatientRegistered',
        aggregateType: 'Patient',
        aggregateId: 'p',
        metadata: meta,
        payload: { patientId: 'p', name: '张三', residentId: '310104194603151234', phone: '138', nested: { birthDate: '1946-03-15' }, sex: 'F' },
      }),
    );
    expect(b).toEqual({
      id: 'e',
      type: 'PatientRegistered',
      occurredAt: meta.occurredAt,
      aggregateType: 'Patient',
      aggregateId: 'p',
      data: { patientId: 'p', nested: {}, sex: 'F' },
    });
    // an institution's public name stays
    const i = JSON.parse(
      webhookBody({
        eventId: 'e',
        type: 'InstitutionRegistered',
        aggregateType: 'Institution',
        aggregateId: 'i',
        metadata: meta,
        payload: { name: '社区中心', phone: '1' },
      }),
    );
    expect(i.data).toEqual({ name: '社区中心' });
  });
});

describe('webhook targets (SSRF guard)', () => {
  it('classes loopback, private, link-local and mapped addresses as private, public ones not', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ])
      expect(isPrivateAddress(ip)).toBe(true);
    for (const ip of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8']) expect(isPrivateAddress(ip)).toBe(false);
  });

  it('refuses literal private hosts and localhost names without a lookup; accepts public literals', async () => {
    expect(await privateTargetReason('http://127.0.0.1:8080/h')).toMatch(/127\.0\.0\.1 is in the loopback range/);
    expect(await privateTargetReason('http://[::1]/h')).toMatch(/::1 is in the loopback range/);
    expect(await privateTargetReason('http://localhost/h')).toMatch(/loopback/);
    expect(await privateTargetReason('https://169.254.169.254/latest/meta-data')).toMatch(/linkLocal/);
    expect(await privateTargetReason('https://8.8.8.8/h')).toBeNull();
  });
});
