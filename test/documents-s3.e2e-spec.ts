import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressInfo } from 'node:net';
import { DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
// s3rver: an S3-compatible server in-process (dev dependency, untyped), its objects in a temp dir of this suite
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver: new (o: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> } = require('s3rver');
import { Engine, startEngine } from './support/engine';
import { ok, smallDistrict } from './support/fixture';
import { client } from './support/http';

jest.setTimeout(120_000);

const BUCKET = 'bedlink-test-documents';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/** DOCUMENT_STORE=s3: the same upload and audited download, the bytes in a bucket, encrypted before they leave. */
describe('documents in an S3-compatible store', () => {
  let dir: string;
  let s3rver: InstanceType<typeof S3rver>;
  let s3: S3Client;
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bedlink-s3-'));
    s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
    const { port } = await s3rver.run();
    const endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    e = await startEngine({
      env: {
        DOCUMENT_STORE: 's3',
        S3_ENDPOINT: endpoint,
        S3_BUCKET: BUCKET,
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
        S3_FORCE_PATH_STYLE: 'true',
      },
    });
    d = await smallDistrict(e, 's3d');
  });
  afterAll(async () => {
    await e?.close();
    s3?.destroy();
    await s3rver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores the file encrypted in the bucket, serves it decrypted to a live target, and a lost object is a 404 with no audit record', async () => {
    const patientId = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', { patientId, requestedKind: 'COMMUNITY', services: ['REHAB'], urgency: 'ROUTINE', clinicalSummary: 's3', consent: true }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${r.referralId}/submit`), 'submit');
    await ok(d.planner.post(`/referrals/${r.referralId}/offers`, { targetInstitutionId: d.cc1 }), 'offer');
    const planner = e.token('DISCHARGE_PLANNER', d.hospital, { districtId: d.district });
    const up = await fetch(`${e.baseUrl}/referrals/${r.referralId}/documents?filename=summary.pdf`, {
      method: 'POST',
      headers: { authorization: `Bearer ${planner}` },
      body: PDF,
    });
    expect(up.status).toBe(201);
    const { documentId } = (await up.json()) as { documentId: string };

    // in the bucket: ciphertext (version byte, IV, tag), never the PDF
    const raw = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `documents/${documentId}` }));
    const stored = Buffer.from(await raw.Body!.transformToByteArray());
    expect(stored[0]).toBe(1);
    expect(stored.length).toBe(1 + 12 + 16 + PDF.length);
    expect(stored.includes(Buffer.from('%PDF'))).toBe(false);
    expect(await e.ds.query(`SELECT 1 FROM document_blobs`)).toHaveLength(0);
    expect((await e.ds.query(`SELECT storage FROM referral_documents WHERE id = $1`, [documentId]))[0].storage).toBe('s3');

    const cc1 = e.token('COMMUNITY_COORDINATOR', d.cc1, { districtId: d.district });
    const got = await fetch(`${e.baseUrl}/referrals/${r.referralId}/documents/${documentId}`, { headers: { authorization: `Bearer ${cc1}` } });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(PDF)).toBe(true);

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `documents/${documentId}` }));
    const lost = await client(e.baseUrl, cc1).get(`/referrals/${r.referralId}/documents/${documentId}`);
    expect(lost.status).toBe(404);
    expect(lost.body.code).toBe('DOCUMENT_NOT_FOUND');
    const downloads = await e.ds.query(`SELECT 1 FROM audit_log WHERE aggregate_id = $1 AND event_type = 'DocumentDownloaded'`, [r.referralId]);
    expect(downloads).toHaveLength(1);
  });
});
