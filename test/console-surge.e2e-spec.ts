import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { parseCsv } from '../apps/console/src/csv-format';
import { Engine, startEngine } from './support/engine';
import { ok, residentId, smallDistrict } from './support/fixture';
import { client } from './support/http';
import {
  axeViolations,
  closeContextsAfterEach,
  consolePrerequisites,
  expectAttr,
  expectText,
  launchChromium,
  markNoReload,
  notReloaded,
  sidewaysScroll,
} from './support/browser';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..');
/** As in test/console.e2e-spec.ts: var/screenshots on every run, docs/screenshots only on request. */
const SHOTS = resolve(ROOT, process.env.SCREENSHOTS_DIR ?? join('var', 'screenshots'));
const PASSWORD = 'surge console passphrase';

/**
 * The coordinator's surge screen and the district's live escalations, in a real browser: what the
 * screen shows is checked against what the API then holds, and who may not act is refused by both.
 */
describe('console: surge and live escalations', () => {
  let e: Engine;
  let d: Awaited<ReturnType<typeof smallDistrict>>;
  let other: Awaited<ReturnType<typeof smallDistrict>>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  // consecutive resident IDs from a random base: never collide with another suite in this database
  let seq = Math.floor(Math.random() * 4_000_000) * 2 + 1_000_000;

  beforeAll(async () => {
    consolePrerequisites();
    mkdirSync(SHOTS, { recursive: true });
    e = await startEngine();
    d = await smallDistrict(e, 'surgeui');
    other = await smallDistrict(e, 'surgeui-other');
    browser = await launchChromium();
  }, 600_000);
  closeContextsAfterEach(contexts);
  afterAll(async () => {
    await browser?.close();
    await e?.close();
  });

  async function newPage(who: string, width = 1360): Promise<Page> {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('console', (m) => {
      // the sign-in page asks /auth/session first: its 401 means "not signed in yet", not a fault
      if (m.type() === 'error' && !m.location().url.endsWith('/auth/session')) problems.push(`${who}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`${who}: ${err.message}`));
    return page;
  }
  /** An account the district made, signed in through the form. */
  async function loginAs(district: typeof d, role: string, institutionId: string | null, username: string): Promise<Page> {
    await ok(district.dc.post('/users', { username, displayName: username, role, ...(institutionId ? { institutionId } : {}), password: PASSWORD }), 'account');
    const page = await newPage(username);
    await page.goto(`${e.baseUrl}/console/`);
    await page.getByTestId('username').fill(username);
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('signin').click();
    await page.getByTestId('live').and(page.locator('.up')).waitFor();
    return page;
  }
  /** A patient in the care of cc1 (registered there), with a care-needs assessment; its resident ID too. */
  async function ccPatient(name: string, over: Record<string, unknown> = {}) {
    const rid = residentId(++seq);
    const p = await ok(d.cc1c.post('/patients', { residentId: rid, name, phone: '13800138000', ...d.assessed(4, over) }), 'patient');
    return { id: p.patientId as string, rid };
  }
  /** Clicks a CSV button and reads the file the browser saved. */
  async function download(page: Page, testId: string): Promise<string> {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    return readFileSync((await dl.path())!, 'utf8');
  }
  /** axe-core findings fail the test with where they were found. */
  const found = (violations: string[], where: string) => expect(violations.map((v) => `${where}: ${v}`)).toEqual([]);
  const shot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('a coordinator uploads a CSV and picks a patient, sees the plan beside greedy, confirms; the API holds exactly that', async () => {
    // cc1's patients: one with dementia (only the care home's bed 3-02 serves her), two others, one without consent
    const odd = '=王,"阿姨"\n二号'; // a name that tests the CSV export: comma, quote, line break, formula start
    const dementia = await ccPatient(odd, { cognitiveImpairment: true });
    const general = await ccPatient('李大爷');
    const noConsent = await ccPatient('张奶奶');
    const picked = await ccPatient('赵伯伯');

    const coord = await loginAs(d, 'COMMUNITY_COORDINATOR', d.cc1, 'surge.coord');
    await coord.getByTestId('nav-surge').click();
    await coord.getByTestId('surge-plan').waitFor();
    await markNoReload(coord);
    // as a batch of hundreds would: the API answers 202 and a status URL, which the screen must follow
    const statuses: number[] = [];
    await coord.route('**/referrals/surge', (route) => route.continue({ headers: { ...route.request().headers(), prefer: 'respond-async' } }));
    coord.on('response', (r) => r.url().endsWith('/referrals/surge') && statuses.push(r.status()));

    // the upload: Chinese column titles as the template writes them, names or codes for the values; one bad line
    const csv = [
      '身份证号,目标床位类型,所需服务,紧急程度,病情摘要,患者同意,照护等级',
      `${general.rid},养老机构床位,护理,常规,"失能，需长期护理, 已评估",是,4`,
      `${dementia.rid},CARE_HOME,NURSING;DEMENTIA,EMERGENCY,"认知症，""夜间游走""",yes,4`,
      `${noConsent.rid},Care home,护理,加急,家属尚未签字,否,4`,
      `${picked.rid},月球床位,护理,常规,坏的一行,是,4`,
    ].join('\r\n');
    await coord.getByTestId('surge-file').setInputFiles({ name: 'surge.csv', mimeType: 'text/csv', buffer: Buffer.from('\ufeff' + csv) });
    await coord.getByTestId('surge-item-2').waitFor();
    // the bad line is named, with its code translated
    const bad = coord.getByTestId('surge-problems').locator('[data-code=BAD_KIND]');
    await expectText(bad, '第 5 行');
    expect(await bad.innerText()).toContain('床位类型无法识别');

    // "pick": one more patient by resident ID, with the form
    await coord.getByTestId('surge-patient').fill(picked.rid);
    await coord.getByTestId('surge-kind').selectOption('CARE_HOME');
    await coord.getByTestId('surge-service-NURSING').check();
    await coord.getByTestId('surge-summary').fill('术后恢复，需护理');
    await coord.getByTestId('surge-consent').check();
    await coord.getByTestId('surge-add').click();
    await coord.getByTestId('surge-item-3').waitFor();
    expect(await coord.getByTestId('surge-item-3').innerText()).toContain('赵伯伯');

    // the plan: four items, the one without consent refused by the API (its code, translated); two beds for three
    await coord.getByTestId('surge-plan').click();
    await coord.getByTestId('surge-plan-view').waitFor();
    const refused = coord.getByTestId('surge-problems').locator('[data-code=CONSENT_REQUIRED]');
    await expectText(refused, '需要患者同意');
    expect(await refused.innerText()).toContain('张奶奶');
    await expectText(coord.getByTestId('surge-placed'), '2');
    await expectText(coord.getByTestId('surge-escalated'), '1');
    const greedyShown = Number(await coord.getByTestId('surge-greedy').innerText());
    expect(greedyShown).toBeLessThanOrEqual(2);
    // the dementia patient (EMERGENCY) is planned into the only bed that serves her, by ward and label
    await expectText(coord.getByTestId('surge-row-1'), 'Floor 3 / 3-02');
    expect(await coord.getByTestId('surge-row-1').getAttribute('data-bed')).toBe(d.careBeds[1]);
    // nothing exists yet
    expect(await ok(d.cc1c.get('/referrals?side=origin&limit=100'), 'list')).toHaveLength(0);
    await shot(coord, '11-surge-plan');

    await coord.getByTestId('surge-confirm').click();
    await coord.getByTestId('surge-result').waitFor({ timeout: 30_000 });
    expect(await notReloaded(coord)).toBe(true);
    expect(statuses).toEqual([202, 202]);

    // what the screen says happened is what the API holds
    const shown = await coord
      .getByTestId('surge-result')
      .locator('[data-testid^=surge-row-]')
      .evaluateAll((rows) => rows.map((r: any) => ({ referral: r.getAttribute('data-referral') as string, bed: r.getAttribute('data-bed') as string })));
    expect(shown).toHaveLength(3);
    const mine = await ok(d.cc1c.get('/referrals?side=origin&limit=100'), 'list');
    expect(mine.map((r: any) => r.id).sort()).toEqual(shown.map((s) => s.referral).sort());
    for (const s of shown) {
      const r = await ok(d.cc1c.get(`/referrals/${s.referral}`), 'read');
      if (s.bed) {
        expect(r.state).toBe('OFFERED');
        expect(r.offers.filter((o: any) => ['PENDING', 'VIEWED'].includes(o.state)).map((o: any) => o.targetBedId)).toEqual([s.bed]);
      } else expect(r.state).toBe('ESCALATED');
    }
    const beds = shown.map((s) => s.bed).filter(Boolean);
    expect([...beds].sort()).toEqual([...d.careBeds].sort());
    expect((mine as any[]).find((r) => r.patientId === dementia.id).offers[0].targetBedId).toBe(d.careBeds[1]);
    expect((mine as any[]).some((r) => r.patientId === noConsent.id)).toBe(false);
    // the care home's inbox holds one offer per bed
    const inbox = await ok(d.carec.get(`/institutions/${d.care}/inbox`), 'inbox');
    expect(inbox.map((i: any) => i.suggestedBedId).sort()).toEqual([...d.careBeds].sort());
    await shot(coord, '12-surge-result');

    // the result's CSV: the odd name survives quoting, and its leading = is defused
    const file = await download(coord, 'csv-surge-result');
    expect(file.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(file).map((r) => r.cells);
    expect(rows[0][0]).toBe('#');
    expect(rows.map((r) => r[1])).toContain(`'${odd}`);
    expect(rows.every((r) => r.every((c) => !/^[=+@]/.test(c) && !/^-[^0-9]/.test(c)))).toBe(true);

    expect(problems).toEqual([]);
  });

  it('who may not run a surge gets no surge actions, and the API refuses them too', async () => {
    const patient = await ccPatient('钱阿婆');
    const item = { patientId: patient.id, requestedKind: 'CARE_HOME', services: ['NURSING'], urgency: 'URGENT', clinicalSummary: 'x', consent: true };

    // the district coordinator: no surge in the navigation, the address leads home; the API: 403
    const dcPage = await loginAs(d, 'DISTRICT_COORDINATOR', null, 'surge.district');
    await dcPage.getByTestId('nav-escalations').waitFor();
    expect(await dcPage.getByTestId('nav-surge').count()).toBe(0);
    await dcPage.goto(`${e.baseUrl}/console/#/surge`);
    await dcPage.getByTestId('occupancy-table').waitFor();
    expect(await dcPage.getByTestId('surge-plan').count()).toBe(0);
    for (const dryRun of [true, false]) {
      const r = await d.dc.post('/referrals/surge', { referrals: [item], dryRun });
      expect([r.status, r.body.code]).toEqual([403, 'FORBIDDEN']);
    }
    // an auditor: neither
    const auditor = await loginAs(d, 'AUDITOR', null, 'surge.auditor');
    await auditor.getByTestId('nav-audit').waitFor();
    expect(await auditor.getByTestId('nav-surge').count()).toBe(0);
    const auditorApi = client(e.baseUrl, e.token('AUDITOR', null, { districtId: d.district }));
    expect((await auditorApi.post('/referrals/surge', { referrals: [item], dryRun: true })).status).toBe(403);

    // a coordinator of another district has a surge screen for its own patients only: ours is not found
    // by the screen (the lookup answers like an unknown ID), and the API refuses a batch naming it
    const stranger = await loginAs(other, 'COMMUNITY_COORDINATOR', other.cc1, 'surge.stranger');
    await stranger.getByTestId('nav-surge').click();
    await stranger.getByTestId('surge-patient').fill(patient.rid);
    await stranger.getByTestId('surge-summary').fill('不属于本区');
    await stranger.getByTestId('surge-add').click();
    await expectAttr(stranger.getByTestId('error'), 'data-code', 'PATIENT_NOT_FOUND');
    expect(await stranger.getByTestId('error').innerText()).toContain('患者不存在');
    expect(await stranger.getByTestId('surge-batch').count()).toBe(0);
    for (const dryRun of [true, false]) {
      const r = await other.cc1c.post('/referrals/surge', { referrals: [item], dryRun });
      expect([r.status, r.body.code]).toEqual([403, 'FORBIDDEN']);
    }
    // and nothing was created for the patient
    expect(await ok(d.dc.get(`/referrals?limit=100`), 'list').then((l: any[]) => l.filter((r) => r.patientId === patient.id))).toEqual([]);
    problems.splice(0, problems.length, ...problems.filter((p) => !(p.startsWith('surge.stranger') && p.includes('404'))));
    expect(problems).toEqual([]);
  });

  it('escalations arrive live on the coordinator’s list when another user’s decline escalates a referral; its CSV export escapes', async () => {
    const district = await loginAs(d, 'DISTRICT_COORDINATOR', null, 'esc.live');
    await district.getByTestId('nav-escalations').click();
    await district.getByRole('heading', { name: '升级处理' }).waitFor();
    await markNoReload(district);

    // the planner refers to cc2 only; cc2 declines: no candidate left, the referral escalates
    const patient = await d.patient(d.planner, d.assessed(3));
    const summary = '=1+2 病情摘要, 含"引号"\n第二行';
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: patient,
        requestedKind: 'COMMUNITY',
        services: ['REHAB'],
        urgency: 'URGENT',
        strategy: 'CASCADE',
        clinicalSummary: summary,
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.cc2 }] }), 'submit');
    const offered = await ok(d.cc2c.get(`/referrals/${r.referralId}`), 'read');
    const offer = offered.offers.find((o: any) => o.targetInstitutionId === d.cc2);
    await ok(d.cc2c.post(`/referrals/${r.referralId}/offers/${offer.id}/decline`, { reason: 'NO_CAPACITY' }), 'decline');
    expect((await ok(d.dc.get(`/referrals/${r.referralId}`), 'read')).state).toBe('ESCALATED');

    const card = district.getByTestId(`esc-${r.referralId}`);
    await card.waitFor({ timeout: 15_000 });
    await expectText(district.getByTestId('esc-flash'), '有新的升级转介');
    expect(await notReloaded(district)).toBe(true);
    expect(await card.innerText()).toContain(await ok(d.dc.get(`/institutions/${d.cc2}`), 'inst').then((i: any) => i.name));

    // the list as CSV: the summary's comma, quotes and line break survive; its leading = does not start a formula
    const file = await download(district, 'csv-escalations');
    const rows = parseCsv(file).map((x) => x.cells);
    const row = rows.find((x) => x.includes(r.referralId))!;
    expect(row).toContain(`'${summary}`);

    // another CSV on a table screen: the bed board, one line per institution and category
    await district.getByTestId('nav-board').click();
    await district.getByTestId('bed-board').waitFor();
    const board = parseCsv(await download(district, 'csv-bed-board')).map((x) => x.cells);
    const careRow = board.find((x) => x[0] === '静安区第一养老院' && x[2] === '养老床位')!;
    expect(careRow[board[0].indexOf('总数')]).toBe('2');
    expect(problems).toEqual([]);
  });

  it('care-home staff see their waiting list in the inbox, live, and export it', async () => {
    const care = await loginAs(d, 'CARE_HOME_ADMISSIONS', d.care, 'wait.care');
    await care.getByRole('heading', { name: /候补名单/ }).waitFor();
    await markNoReload(care);
    const patient = await d.patient(d.planner, d.assessed(3));
    const r = await ok(
      d.planner.post('/referrals', {
        patientId: patient,
        requestedKind: 'CARE_HOME',
        services: ['NURSING'],
        urgency: 'ROUTINE',
        clinicalSummary: '等床',
        careLevel: 3,
        consent: true,
      }),
      'draft',
    );
    const [offer] = await ok(d.planner.post(`/referrals/${r.referralId}/submit`, { targets: [{ institutionId: d.care }] }), 'submit').then(
      (x: any) => x.offers,
    );
    await ok(d.carec.post(`/referrals/${r.referralId}/offers/${offer.offerId}/waitlist`), 'waitlist');
    const row = care.getByTestId(`waiting-${r.referralId}`);
    await row.waitFor({ timeout: 15_000 });
    expect(await notReloaded(care)).toBe(true);
    const api = (await ok(d.carec.get(`/institutions/${d.care}/waiting-list`), 'list')).entries as any[];
    const mine = api.find((w) => w.referralId === r.referralId);
    expect(await row.locator('th').innerText()).toBe(String(mine.position));
    const file = parseCsv(await download(care, 'csv-waiting-list')).map((x) => x.cells);
    expect(file[0][0]).toBe('顺位');
    expect(file.find((x) => x.includes(r.referralId))![0]).toBe(String(mine.position));
    found(await axeViolations(care), 'waiting list');
    expect(problems).toEqual([]);
  });

  it('the surge screen, its plan and the escalations: axe-core finds nothing serious in Chinese or English; 390 px fits', async () => {
    const found: string[] = [];
    const coord = await loginAs(d, 'COMMUNITY_COORDINATOR', d.cc1, 'surge.a11y');
    const p = await ccPatient('孙爷爷');
    const screens = async (lang: string) => {
      await coord.goto(`${e.baseUrl}/console/#/surge`);
      await coord.getByTestId('surge-plan').waitFor();
      found.push(...(await axeViolations(coord)).map((v) => `${lang} surge: ${v}`));
      await coord.getByTestId('surge-patient').fill(p.rid);
      await coord.getByTestId('surge-summary').fill('a11y');
      await coord.getByTestId('surge-consent').check();
      await coord.getByTestId('surge-add').click();
      await coord.getByTestId('surge-item-0').waitFor();
      await coord.getByTestId('surge-plan').click();
      await coord.getByTestId('surge-plan-view').waitFor();
      found.push(...(await axeViolations(coord)).map((v) => `${lang} surge plan: ${v}`));
      const wide = await sidewaysScroll(coord);
      if (wide.px) found.push(`${lang} surge plan at ${coord.viewportSize()?.width}px: ${wide.px} px sideways (${wide.culprit})`);
    };
    await screens('zh-CN');
    // keyboard: Tab alone reaches the upload, the form, computing the plan and confirming it
    await coord.locator('body').focus();
    const reached = new Set<string>();
    for (let i = 0; i < 80; i++) {
      await coord.keyboard.press('Tab');
      reached.add(await coord.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('data-testid') ?? ''));
    }
    for (const id of ['nav-surge', 'surge-file', 'surge-patient', 'surge-kind', 'surge-consent', 'surge-plan', 'csv-surge-plan', 'surge-confirm'])
      expect([id, reached.has(id)]).toEqual([id, true]);
    await coord.getByTestId('lang').click();
    await screens('en');
    await coord.setViewportSize({ width: 390, height: 844 });
    await screens('en 390');
    await shot(coord, '13-surge-390px');
    expect(found).toEqual([]);
  });
});
