import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { generateSync } from 'otplib';
import { residentIdCheckChar } from '@bedlink/domain';
import { isoDay, shanghaiDay } from './support/dates';
import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';
import { axeViolations, closeContextsAfterEach, consolePrerequisites, expectAttr, expectTextEnd, launchChromium, sidewaysScroll } from './support/browser';
import { client, eventually } from './support/http';

// qrcode ships no types: the one function the test compares with
// eslint-disable-next-line @typescript-eslint/no-require-imports
const QRCode = require('qrcode') as { toString(text: string, o: object): Promise<string> };

const ROOT = join(__dirname, '..');
const SHOTS = resolve(ROOT, process.env.SCREENSHOTS_DIR ?? join('var', 'screenshots'));
const PASSWORD = 'console tasks passphrase';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/**
 * The daily tasks in a real browser, each driven through the console's own controls and checked
 * through the API: home programmes and their enrolments, accepting an offer onto a programme place,
 * patient registration, search and assessments (with the domain's refusals translated), cooperation
 * agreements, the waiting list, TOTP enrolment with a QR code. Each also as a stranger: another
 * institution or district sees and changes nothing of it. Then axe-core and 390 px on every new screen.
 */
describe('console daily tasks in a real browser', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** The console's own errors; expected refusals (404 of a stranger's search, 4xx shown) are removed by each test. */
  const problems: string[] = [];
  let seq = Math.floor(Math.random() * 1_000_000);

  beforeAll(async () => {
    consolePrerequisites();
    mkdirSync(SHOTS, { recursive: true });
    e = await startEngine();
    d = await smallDistrict(e);
    browser = await launchChromium();
  }, 600_000);
  closeContextsAfterEach(contexts);
  afterAll(async () => {
    await browser?.close();
    await e?.close();
  });

  /** Requests the page makes to anything but the API's origin (there must be none: no CDN, no chart or QR service). */
  const outside: string[] = [];
  async function newPage(who: string, width = 1360): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('console', (m) => {
      // the sign-in page asks /auth/session first: a 401 there is "not signed in yet", not a fault
      if (m.type() === 'error' && !m.text().includes('status of 401')) problems.push(`${who}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`${who}: ${err.message}`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(e.baseUrl) && !url.startsWith('data:') && !url.startsWith('blob:')) outside.push(`${who}: ${url}`);
    });
    return page;
  }

  /** An account made by a district coordinator (`admin`, default the fixture's) and signed in through the form. */
  async function loginAs(role: string, institutionId: string | null, admin = d.dc): Promise<Page> {
    const username = `${role.toLowerCase().replace(/_/g, '.')}.${++seq}`;
    await ok(admin.post('/users', { username, displayName: username, role, ...(institutionId ? { institutionId } : {}), password: PASSWORD }), 'account');
    const page = await newPage(username);
    await page.goto(`${e.baseUrl}/console/`);
    await page.getByTestId('username').fill(username);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('signin').click();
    await page.getByTestId('whoami').waitFor();
    return page;
  }
  /**
   * A fresh load of a screen (a hash change alone would keep the screen's state): the hash, then a reload of
   * the document in its own renderer. By way of about:blank, each load swapped processes and the
   * accessibility walk took 47-66 s alone instead of 32-36.
   */
  const go = async (p: Page, hash: string) => {
    await p.goto(`${e.baseUrl}/console/${hash}`);
    await p.reload();
    await p.locator('main h2').first().waitFor();
  };
  /** Drop the console errors a test provoked on purpose (a refused request logs its status). */
  const expected = (...statuses: number[]) =>
    problems.splice(0, problems.length, ...problems.filter((p) => !statuses.some((s) => p.includes(`status of ${s}`))));
  const shot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const newResidentId = () => residentId(7_000_000 + (++seq % 3_000_000));

  it('home programmes: staff register one, accept an offer onto a place, see the patient in care, end the enrolment and free the place', async () => {
    const coord = await loginAs('COMMUNITY_COORDINATOR', d.cc1);
    await coord.getByTestId('nav-programmes').click();
    await coord.locator('details.card summary').click();
    const name = `家庭病床${seq}`;
    await coord.getByTestId('programme-name').fill(name);
    await coord.getByTestId('programme-capacity').fill('2');
    await coord.getByLabel('服务半径（公里）').fill('50');
    await coord.getByTestId('register-programme').click();
    const programme = await eventually(
      async () => ((await ok(d.cc1c.get(`/programmes?institutionId=${d.cc1}`), 'programmes')) as { id: string; name: string }[]).find((p) => p.name === name),
      (p) => !!p,
    );
    const programmeId = programme!.id;
    const row = coord.getByTestId(`programme-${programmeId}`);
    await expectTextEnd(row.getByTestId('free'), '2');
    expect(await ok(d.cc1c.get(`/programmes?institutionId=${d.cc1}`), 'list')).toContainEqual(
      expect.objectContaining({ id: programmeId, kind: 'HOME_SICKBED', capacity: 2, radiusKm: 50 }),
    );

    // the hospital refers a patient home to this programme; the offer is accepted onto a place from the inbox
    const patientId = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'HOME_SICKBED',
        services: [],
        urgency: 'URGENT',
        clinicalSummary: '出院后居家护理',
        consent: true,
      }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.cc1, programmeId }] }), 'submit');
    await coord.getByTestId('nav-inbox').click();
    const offer = coord.getByTestId(`offer-${r.referralId}`);
    await offer.getByTestId('open-offer').click();
    await offer.getByTestId('pick-programme').selectOption(programmeId);
    await offer.getByTestId('accept-offer').click();
    await offer.waitFor({ state: 'detached' });
    const accepted = await ok(d.planner.get(`/referrals/${r.referralId}`), 'referral');
    expect(accepted.state).toBe('ACCEPTED');
    expect(accepted.reservations).toContainEqual(expect.objectContaining({ institutionId: d.cc1, programmeId, bedId: null, state: 'HELD' }));

    // transfer and admission: the patient is in care on the programme
    await ok(d.planner.post(`/referrals/${r.referralId}/start-transfer`), 'transfer');
    await coord.getByTestId(`arriving-${r.referralId}`).getByTestId('confirm-admission').click();
    await eventually(
      () => ok(d.cc1c.get(`/programmes/${programmeId}/enrolments`), 'enrolments'),
      (l: unknown[]) => l.length === 1,
    );

    await coord.getByTestId('nav-programmes').click();
    await expectTextEnd(row.getByTestId('enrolled'), '1');
    await expectTextEnd(row.getByTestId('free'), '1');
    await row.getByTestId('show-enrolments').click();
    const card = coord.getByTestId(`enrolment-${patientId}`);
    await card.waitFor();
    // more places, from the console
    await coord.getByTestId('new-capacity').fill('3');
    await coord.getByTestId('save-capacity').click();
    await expectTextEnd(row.getByTestId('capacity'), '3');
    await shot(coord, '11-programmes');

    // the district sees the programme and who is in care, but ends nothing
    const district = await loginAs('DISTRICT_COORDINATOR', null);
    await go(district, '#/programmes');
    await district.getByTestId(`programme-${programmeId}`).getByTestId('show-enrolments').click();
    await district.getByTestId(`enrolment-${patientId}`).waitFor();
    expect(await district.getByTestId('end-enrolment').count()).toBe(0);

    // another community centre: neither the programme nor its patients
    const stranger = await loginAs('COMMUNITY_COORDINATOR', d.cc2);
    await go(stranger, '#/programmes');
    await stranger.getByTestId('programmes').or(stranger.locator('.empty')).first().waitFor();
    expect(await stranger.getByTestId(`programme-${programmeId}`).count()).toBe(0);
    expect((await d.cc2c.get(`/programmes/${programmeId}/enrolments`)).status).toBe(404);

    // ending the enrolment frees the place (API and screen)
    await card.getByTestId('end-reason').selectOption('ENROLMENT_ENDED');
    await card.getByTestId('end-enrolment').click();
    await card.waitFor({ state: 'detached' });
    expect(await ok(d.cc1c.get(`/programmes/${programmeId}/enrolments`), 'after')).toEqual([]);
    expect((await ok(d.cc1c.get(`/programmes?institutionId=${d.cc1}`), 'list')).find((p: { id: string }) => p.id === programmeId)).toMatchObject({
      capacity: 3,
      enrolled: 0,
      free: 3,
    });
    await expectTextEnd(row.getByTestId('free'), '3');
    expect(problems).toEqual([]);
  }, 240_000);

  it('patients: register with home address and assessment, find by resident ID, record assessments; refusals explained; strangers see nothing', async () => {
    const planner = await loginAs('DISCHARGE_PLANNER', d.hospital);
    await go(planner, '#/patients');
    const rid = newResidentId();
    const granny = `李奶奶${seq}`;
    await planner.getByTestId('new-resident-id').fill(rid);
    await planner.getByTestId('new-name').fill(granny);
    await planner.getByTestId('new-area-code').fill('JNL-01');
    await planner.getByTestId('with-assessment').check();
    await planner.getByTestId('new-grade').fill('4');
    await planner.getByTestId('register-new-patient').click();
    const record = planner.getByTestId('patient-record');
    await expectTextEnd(record.getByTestId('record-name'), granny);
    const patientId = (await record.getAttribute('data-patient'))!;
    await expectAttr(record.getByTestId('eligible-CARE_HOME'), 'data-ok', 'true');
    // what the API keeps: the record, the assessment, the home address (encrypted at rest)
    const kept = await ok(d.planner.get(`/patients/${patientId}`, { 'x-access-reason': 'test' }), 'record');
    expect(kept).toMatchObject({ name: granny, residentId: rid, assessment: { grade: 4, type: 'INITIAL', assessedOn: shanghaiDay() } });
    const [row] = await e.ds.query(`SELECT home_enc FROM patients WHERE id = $1`, [patientId]);
    expect(row.home_enc).toBeTruthy();
    expect(row.home_enc).not.toContain('JNL-01');

    // found by resident ID in a fresh screen; the reason typed joins the patient's trail
    await go(planner, '#/patients');
    await planner.getByTestId('search-resident-id').fill(rid);
    await planner.getByTestId('access-reason').fill('出院随访');
    await planner.getByTestId('search-patient').click();
    await expectTextEnd(record.getByTestId('record-name'), granny);
    const trail: { reason: string }[] = await e.ds.query(
      `SELECT reason FROM audit_log WHERE aggregate_id = $1 AND event_type = 'PatientRecordAccessed' ORDER BY aggregate_seq`,
      [patientId],
    );
    expect(trail.map((t) => t.reason)).toContain('出院随访');

    // and by part of the name, among the hospital's own patients: one match opens at once
    await go(planner, '#/patients');
    await planner.getByTestId('search-resident-id').fill(granny.slice(1));
    await planner.getByTestId('search-patient').click();
    await expectTextEnd(record.getByTestId('record-name'), granny);
    expect(await planner.getByTestId('search-results').innerText()).toContain(`${rid.slice(0, 4)}**********${rid.slice(-4)}`);

    // an assessment that has run out: recorded, and the screen says the care beds are closed to it, and why
    await planner.getByTestId('assess-grade').fill('3');
    await planner.getByTestId('assess-assessed-on').fill(isoDay(-3 * 365));
    await planner.getByTestId('assess-expires-on').fill(isoDay(-365));
    await planner.getByTestId('save-assessment').click();
    await planner.getByTestId('assessment-saved').waitFor();
    expect((await ok(d.planner.get(`/patients/${patientId}`, { 'x-access-reason': 'test' }), 'record')).assessment).toMatchObject({
      grade: 3,
      expiresOn: isoDay(-365),
    });
    await expectAttr(record.getByTestId('eligible-CARE_HOME'), 'data-reason', 'EXPIRED');
    expect(await record.getByTestId('eligible-CARE_HOME').innerText()).toContain('评估已过期');

    // under 60: the screen and the API's refusal both say so, in the user's language
    await go(planner, '#/patients');
    const body = `31010619900520${String(100 + (seq % 800))}`;
    const young = body + residentIdCheckChar(body);
    await planner.getByTestId('new-resident-id').fill(young);
    await planner.getByTestId('new-name').fill('张先生');
    await planner.getByTestId('with-assessment').check();
    await planner.getByTestId('new-grade').fill('4');
    await planner.getByTestId('register-new-patient').click();
    await expectAttr(record.getByTestId('eligible-CARE_HOME'), 'data-reason', 'AGE');
    expect(await record.getByTestId('eligible-CARE_HOME').innerText()).toContain('60岁及以上');
    const youngId = (await record.getAttribute('data-patient'))!;
    await shot(planner, '12-patients');
    await go(planner, '#/outbox');
    await planner.getByTestId('patient-id').fill(youngId);
    await planner.getByTestId('requested-kind').selectOption('CARE_HOME');
    await planner.getByTestId('summary').fill('需长期照护');
    await planner.getByTestId('consent').check();
    await planner.getByTestId(`target-${d.care}`).check();
    await planner.getByTestId('create-referral').click();
    const refusal = planner.locator('[data-testid=error][data-code=CARE_GRADE_INELIGIBLE]');
    await expectAttr(refusal, 'data-reason', 'AGE');
    expect(await refusal.innerText()).toMatch(/60岁及以上.*患者\d+岁/);
    expected(409);

    // another institution: the resident ID finds nothing; registering it shows only what it supplied itself
    const stranger = await loginAs('CARE_HOME_ADMISSIONS', d.care);
    await go(stranger, '#/patients');
    await stranger.getByTestId('search-resident-id').fill(rid);
    await stranger.getByTestId('search-patient').click();
    await expectAttr(stranger.getByTestId('error'), 'data-code', 'PATIENT_NOT_FOUND');
    expect(await stranger.getByTestId('error').innerText()).toContain('患者不存在');
    expected(404);
    await stranger.getByTestId('new-resident-id').fill(rid);
    await stranger.getByTestId('new-name').fill('李某');
    await stranger.getByTestId('register-new-patient').click();
    await expectTextEnd(stranger.getByTestId('patient-record').getByTestId('record-name'), '李某');
    expect(await stranger.getByTestId('patient-record').getByTestId('record-assessment').innerText()).not.toContain('3');
    expect(problems).toEqual([]);
  }, 240_000);

  it('cooperation agreements: the district registers one with scope and period; institutions see theirs; another district sees none', async () => {
    const dc = await loginAs('DISTRICT_COORDINATOR', null);
    await go(dc, '#/agreements');
    await dc.getByTestId('agr-from').selectOption(d.hospital);
    await dc.getByTestId('agr-to').selectOption(d.care);
    await dc.getByTestId('agr-kind-CARE_HOME').check();
    await dc.getByTestId('agr-direction-DOWNWARD').check();
    await dc.getByTestId('agr-service-NURSING').check();
    await dc.getByTestId('agr-valid-from').fill(shanghaiDay());
    await dc.getByTestId('agr-valid-until').fill(shanghaiDay(365));
    await dc.getByTestId('create-agreement').click();
    await dc.getByTestId('agreement-created').waitFor();
    const agreement = (await ok(d.dc.get('/agreements'), 'agreements')).find(
      (a: { fromInstitutionId: string; toInstitutionId: string; services: string[] }) =>
        a.fromInstitutionId === d.hospital && a.toInstitutionId === d.care && a.services.includes('NURSING'),
    );
    expect(agreement).toMatchObject({
      kinds: ['CARE_HOME'],
      directions: ['DOWNWARD'],
      services: ['NURSING'],
      validFrom: shanghaiDay(),
      validUntil: shanghaiDay(365),
    });
    const shown = dc.getByTestId(`agreement-${agreement.id}`);
    await expectAttr(shown.getByTestId('status'), 'data-status', 'inForce');
    expect(await shown.innerText()).toContain('养老');

    // the domain's refusal of a period that ends before it starts, shown translated
    await dc.getByTestId('agr-from').selectOption(d.hospital);
    await dc.getByTestId('agr-to').selectOption(d.cc2);
    await dc.getByTestId('agr-valid-from').fill(shanghaiDay(10));
    await dc.getByTestId('agr-valid-until').fill(shanghaiDay(1));
    await dc.getByTestId('create-agreement').click();
    await expectAttr(dc.getByTestId('error'), 'data-code', 'VALIDATION_FAILED');
    expected(400);
    await shot(dc, '13-agreements');

    // the care home sees the agreement it is party to, read-only; a centre outside it and another district see nothing
    const care = await loginAs('CARE_HOME_ADMISSIONS', d.care);
    await go(care, '#/agreements');
    await care.getByTestId(`agreement-${agreement.id}`).waitFor();
    expect(await care.getByTestId('create-agreement').count()).toBe(0);
    const cc2 = await loginAs('COMMUNITY_COORDINATOR', d.cc2);
    await go(cc2, '#/agreements');
    await cc2.locator('.empty').or(cc2.getByTestId('agreements')).first().waitFor();
    expect(await cc2.getByTestId(`agreement-${agreement.id}`).count()).toBe(0);
    const elsewhere = await loginAs('DISTRICT_COORDINATOR', null, client(e.baseUrl, e.token('DISTRICT_COORDINATOR', null, { districtId: 'elsewhere' })));
    await go(elsewhere, '#/agreements');
    await elsewhere.locator('.empty').or(elsewhere.getByTestId('agreements')).first().waitFor();
    expect(await elsewhere.getByTestId(`agreement-${agreement.id}`).count()).toBe(0);
    expect(problems).toEqual([]);
  }, 180_000);

  it('waiting list: the care home sees its own in order; another institution does not', async () => {
    const patientId = await d.patient(d.planner, d.assessed(4));
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'CARE_HOME',
        services: ['NURSING'],
        urgency: 'ROUTINE',
        clinicalSummary: '等候养老床位',
        careLevel: 4,
        consent: true,
      }),
      'draft',
    );
    const sub = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.care }] }), 'submit');
    await ok(d.carec.post(`/referrals/${r.referralId}/offers/${sub.offers[0].offerId}/waitlist`, {}), 'waitlist');
    const care = await loginAs('CARE_HOME_ADMISSIONS', d.care);
    await go(care, '#/inbox');
    const entry = care.getByTestId(`waiting-${r.referralId}`);
    await entry.waitFor();
    const api = await ok(d.carec.get(`/institutions/${d.care}/waiting-list`), 'list');
    const mine = api.entries.find((x: { referralId: string }) => x.referralId === r.referralId);
    expect((await entry.locator('th, td').first().innerText()).trim()).toBe(String(mine.position));
    await shot(care, '14-waiting-list');
    const cc2 = await loginAs('COMMUNITY_COORDINATOR', d.cc2);
    await go(cc2, '#/inbox');
    await cc2.locator('.empty').or(cc2.getByTestId('waiting-list')).first().waitFor();
    expect(await cc2.getByTestId(`waiting-${r.referralId}`).count()).toBe(0);
    expect((await d.cc2c.get(`/institutions/${d.care}/waiting-list`)).status).toBe(403);
    expect(problems).toEqual([]);
  }, 120_000);

  it('TOTP enrolment shows the otpauth URI as a QR code drawn in the page, no request leaves the origin', async () => {
    const page = await loginAs('COMMUNITY_COORDINATOR', d.cc1);
    await page.getByTestId('nav-account').click();
    const setup = page.waitForResponse((res) => res.url().endsWith('/auth/totp/setup'));
    await page.getByRole('button', { name: '开启两步验证' }).click();
    const { uri, secret } = (await (await setup).json()) as { uri: string; secret: string };
    const img = page.getByTestId('totp-qr');
    await img.waitFor();
    const src = (await img.getAttribute('src'))!;
    expect(src.startsWith('data:image/svg+xml')).toBe(true);
    // the very code of this URI, as the qrcode package draws it (so a scan gives the URI)
    const svg = decodeURIComponent(src.slice(src.indexOf(',') + 1));
    expect(svg).toBe(await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    expect(await img.getAttribute('alt')).toBe('用验证器应用扫描此二维码');
    expect(await page.getByTestId('totp-secret').innerText()).toBe(secret);
    await shot(page, '15-totp-qr');
    await page.getByLabel('验证器显示的6位数字').fill(generateSync({ secret }));
    await page.getByRole('button', { name: '确认开启' }).click();
    await expectTextEnd(page.getByTestId('totp-state'), '已开启');
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
  }, 120_000);

  it('referral detail: the origin uploads a document the target downloads, they exchange messages, the origin books the transport; a stranger sees nothing', async () => {
    const patientId = await d.patient();
    const r = await ok(
      d.planner.post('/referrals', {
        patientId,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'URGENT',
        clinicalSummary: '康复转介',
        careLevel: 2,
        consent: true,
      }),
      'draft',
    );
    const sub = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit');
    const planner = await loginAs('DISCHARGE_PLANNER', d.hospital);
    const coord = await loginAs('COMMUNITY_COORDINATOR', d.cc1);

    // documents: uploaded from the origin's console, listed by the API, downloaded by the target (audited)
    await go(planner, `#/referral/${r.referralId}`);
    await planner.getByTestId('documents').waitFor();
    await planner.getByTestId('file').setInputFiles({ name: '出院小结.pdf', mimeType: 'application/pdf', buffer: PDF });
    await planner.getByLabel('说明').fill('出院小结');
    await planner.getByTestId('upload').click();
    const doc = (await eventually(
      () => ok(d.planner.get(`/referrals/${r.referralId}/documents`), 'documents'),
      (l: unknown[]) => l.length === 1,
    )) as { documentId: string; filename: string; mediaType: string; description: string }[];
    expect(doc[0]).toMatchObject({ filename: '出院小结.pdf', mediaType: 'application/pdf', description: '出院小结' });
    await planner.getByTestId(`document-${doc[0].documentId}`).waitFor();
    await go(coord, `#/referral/${r.referralId}`);
    const download = coord.waitForEvent('download');
    await coord.getByTestId(`document-${doc[0].documentId}`).getByTestId('download').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('出院小结.pdf');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync((await file.path())!).equals(PDF)).toBe(true);
    const [{ n }] = await e.ds.query(`SELECT count(*)::int AS n FROM audit_log WHERE aggregate_id = $1 AND event_type = 'DocumentDownloaded'`, [r.referralId]);
    expect(n).toBe(1);

    // messages: the target asks, the origin answers in that thread; each side sees the other's
    await coord.getByTestId('tab-messages').click();
    await coord.getByTestId('message-text').fill('请补充最近一次血常规');
    await coord.getByTestId('send-message').click();
    await coord.getByTestId('message').filter({ hasText: '血常规' }).waitFor();
    await planner.getByTestId('tab-messages').click();
    await planner.getByTestId('message').filter({ hasText: '血常规' }).waitFor();
    await planner.getByTestId('message-text').fill('已上传化验单');
    await planner.getByTestId('send-message').click();
    await coord.getByTestId('message').filter({ hasText: '已上传化验单' }).waitFor({ timeout: 15_000 });
    const thread = await ok(d.cc1c.get(`/referrals/${r.referralId}/messages`), 'thread');
    expect(thread.map((m: { text: string }) => m.text)).toEqual(['请补充最近一次血常规', '已上传化验单']);

    // transport: booked from the origin's console once the place is accepted
    await ok(d.cc1c.post(`/referrals/${r.referralId}/offers/${sub.offers[0].offerId}/accept`, { bedId: d.cc1Beds[2] }), 'accept');
    await go(planner, `#/referral/${r.referralId}`);
    await planner.getByTestId('tab-transport').click();
    await planner.getByTestId('tab-transport').press('ArrowLeft'); // arrow keys move between tabs
    await planner.getByTestId('messages').waitFor();
    await planner.keyboard.press('ArrowRight');
    await planner.getByTestId('pickup-at').fill(new Date(Date.now() + 3 * 3_600_000 + 8 * 3_600_000).toISOString().slice(0, 16));
    await planner.getByTestId('escort-WHEELCHAIR').check();
    await planner.getByTestId('arrange-transport').click();
    await expectAttr(planner.getByTestId('transport-status'), 'data-status', 'ARRANGED');
    const booked = await ok(d.planner.get(`/referrals/${r.referralId}`), 'referral');
    expect(booked.transport).toMatchObject({ mode: 'AMBULANCE', status: 'ARRANGED', escort: ['WHEELCHAIR'] });
    await shot(planner, '17-referral-transport');

    // another community centre: the referral does not exist to it
    const stranger = await loginAs('COMMUNITY_COORDINATOR', d.cc2);
    await go(stranger, `#/referral/${r.referralId}`);
    await expectAttr(stranger.getByTestId('error'), 'data-code', 'REFERRAL_NOT_FOUND');
    expected(404);
    expect(problems).toEqual([]);
  }, 180_000);

  it('accessibility: axe-core finds no serious or critical violation on the task screens, in Chinese and English; 390 px without sideways scrolling', async () => {
    const found: string[] = [];
    const coord = await loginAs('COMMUNITY_COORDINATOR', d.cc1);
    const care = await loginAs('CARE_HOME_ADMISSIONS', d.care);
    const planner = await loginAs('DISCHARGE_PLANNER', d.hospital);
    const dc = await loginAs('DISTRICT_COORDINATOR', null);
    // a programme with its detail open, a patient record shown, the account's QR code: the screens as used
    const programmeId = (await ok(d.cc1c.post('/programmes', { institutionId: d.cc1, kind: 'HOME_SICKBED', name: `无障碍${seq}`, capacity: 1 }), 'programme'))
      .programmeId as string;
    const rid = newResidentId();
    const a11yPatient = (await ok(d.planner.post('/patients', { residentId: rid, name: '无障碍测试', ...d.assessed(3) }), 'patient')).patientId as string;
    const ref = await ok(
      d.planner.post('/referrals', {
        patientId: a11yPatient,
        requestedKind: 'COMMUNITY',
        services: [],
        urgency: 'ROUTINE',
        clinicalSummary: 'a11y',
        consent: true,
      }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${ref.referralId}/submit`, { targets: [{ institutionId: d.cc1 }] }), 'submit');
    await ok(d.planner.post(`/referrals/${ref.referralId}/messages`, { targetInstitutionId: d.cc1, text: '无障碍检查的消息' }), 'message');
    await ok(
      d.planner.raw('POST', `/referrals/${ref.referralId}/documents?filename=a11y.pdf`, PDF.toString('latin1'), { 'content-type': 'application/octet-stream' }),
      'document',
    );
    const screens: [string, Page, string, (p: Page) => Promise<unknown>][] = [
      ['programmes', coord, '#/programmes', (p) => p.getByTestId(`programme-${programmeId}`).getByTestId('show-enrolments').click()],
      ['programmes (district)', dc, '#/programmes', (p) => p.getByTestId('programmes').waitFor()],
      ['waiting list', care, '#/inbox', (p) => p.getByTestId('waiting-list').or(p.locator('.empty')).first().waitFor()],
      ['agreements', dc, '#/agreements', (p) => p.getByTestId('agreements').or(p.locator('.empty')).first().waitFor()],
      [
        'patients',
        planner,
        '#/patients',
        async (p) => {
          await p.getByTestId('search-resident-id').fill(rid);
          await p.getByTestId('search-patient').click();
          await p.getByTestId('eligibility').waitFor();
        },
      ],
      ['referral documents', planner, `#/referral/${ref.referralId}`, (p) => p.getByTestId('documents').locator('table').waitFor()],
      [
        'referral messages',
        planner,
        `#/referral/${ref.referralId}`,
        async (p) => {
          await p.getByTestId('tab-messages').click();
          await p.getByTestId('message').first().waitFor();
        },
      ],
      [
        'referral transport',
        planner,
        `#/referral/${ref.referralId}`,
        async (p) => {
          await p.getByTestId('tab-transport').click();
          await p.getByTestId('transport').waitFor();
        },
      ],
      [
        'account (QR)',
        care,
        '#/account',
        async (p) => {
          await p.locator('.card button').last().click();
          await p.getByTestId('totp-qr').waitFor();
        },
      ],
    ];
    for (const lang of ['zh-CN', 'en']) {
      if (lang === 'en') for (const p of [coord, care, planner, dc]) await p.getByTestId('lang').click();
      for (const [name, page, hash, ready] of screens) {
        await go(page, hash);
        await ready(page);
        await axe(page, `${lang} ${name}`, found);
      }
    }
    for (const p of [coord, care, planner, dc]) await p.setViewportSize({ width: 390, height: 844 });
    for (const [name, page, hash, ready] of screens) {
      await go(page, hash);
      await ready(page);
      await noSidewaysScroll(page, name, found);
    }
    await shot(planner, '16-referral-390px');
    expect(found).toEqual([]);
    expect(problems).toEqual([]);
    // 18 axe-core runs and 9 layouts: 30 s alone, 108 s beside the other suites, over 240 s once in CI
  }, 480_000);

  it('keyboard: a programme is registered and its patients opened with the keyboard alone', async () => {
    const coord = await loginAs('CARE_HOME_ADMISSIONS', d.care);
    await go(coord, '#/programmes');
    await coord.locator('details.card summary').focus();
    await coord.keyboard.press('Enter');
    await coord.getByTestId('programme-name').focus();
    const name = `键盘${seq}`;
    await coord.keyboard.type(name);
    await coord.keyboard.press('Tab'); // kind
    await coord.keyboard.press('Tab'); // places
    await coord.keyboard.press('Control+A');
    await coord.keyboard.type('4');
    await coord.keyboard.press('Enter'); // submits the form
    const programme = await eventually(
      async () =>
        ((await ok(d.carec.get(`/programmes?institutionId=${d.care}`), 'list')) as { id: string; name: string; kind: string; capacity: number }[]).find(
          (p) => p.name === name,
        ),
      (p) => !!p,
    );
    expect(programme).toMatchObject({ kind: 'HOME_CARE', capacity: 4 });
    const show = coord.getByTestId(`programme-${programme!.id}`).getByTestId('show-enrolments');
    await show.focus();
    await coord.keyboard.press('Enter');
    await coord.getByTestId('enrolments').waitFor();
    expect(await show.getAttribute('aria-expanded')).toBe('true');
    expect(problems).toEqual([]);
  }, 120_000);
});

async function axe(page: Page, where: string, found: string[]): Promise<void> {
  found.push(...(await axeViolations(page)).map((b) => `${where}: ${b}`));
}

async function noSidewaysScroll(page: Page, where: string, found: string[]): Promise<void> {
  const { px, culprit } = await sidewaysScroll(page);
  if (px > 0) found.push(`${where}: scrolls sideways by ${px} px at 390 px (${culprit})`);
}
