import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { loadConfig } from '@bedlink/config';
import { consoleDir } from '../../apps/api/src/console/console.controller';

/** Browser-test helpers shared by the console suites. */

/**
 * Debian's headless shell (package chromium-headless-shell), the build Playwright itself runs for headless
 * tests. The full browser in --headless mode (package chromium) builds a browser window per page: Chromium
 * 156 loads two WebUI omnibox popups (chrome://omnibox-popup.top-chrome, lit and the AI-mode composebox)
 * into each one, and their renderers took most of the browser suites' CPU. Measured on console.e2e-spec.ts
 * alone (2026-12-02): Chromium 76 s of CPU with the full browser, 28.5 s with the shell; the suite 65 s, 40 s.
 */
export const CHROMIUM = '/usr/lib/chromium/chromium-headless-shell';
const ROOT = join(__dirname, '..', '..');

/** Debian's headless Chromium, installed once if missing (no browser downloads); a CJK font, best effort; the console built once. */
export function consolePrerequisites(): void {
  const apt = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!existsSync(CHROMIUM)) {
    if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium-headless-shell (as root)`);
    execSync('apt-get install -y chromium-headless-shell || (apt-get update && apt-get install -y chromium-headless-shell)', { stdio: 'inherit', env: apt });
  }
  // A CJK font, so the screenshots show Chinese rather than boxes (not needed to pass).
  if (!existsSync('/usr/share/fonts/truetype/wqy') && process.getuid?.() === 0) {
    try {
      execSync('apt-get install -y fonts-wqy-microhei', { stdio: 'ignore', env: apt });
    } catch {
      /* screenshots fall back to whatever font is there */
    }
  }
  if (!existsSync(join(consoleDir(loadConfig()), 'index.html'))) execSync('npm run console:build', { stdio: 'inherit', cwd: ROOT });
}

/**
 * Headless Chromium for the console suites. Site isolation is off: the suites load one origin, so a
 * process per site guards nothing here, and swapping renderers on each cross-document navigation
 * (about:blank to the console, a new context's first page) cost CPU that the other suites needed. Measured
 * on the accessibility walk of console-tasks alone (2026-12-02): Chromium 72-89 s of CPU with it, 62 s
 * without.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-site-isolation-trials',
      '--disable-features=IsolateOrigins,site-per-process',
    ],
  });
}

/**
 * Closes the contexts a test opened once it ends (call inside the describe): an open console reloads its
 * lists on every live event of the district, so pages left open by earlier tests kept Chromium and the API
 * busy for the rest of the file.
 */
export function closeContextsAfterEach(contexts: BrowserContext[]): void {
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
  });
}

/** Marks the page; the mark survives only if the page is never reloaded. */
export const markNoReload = (p: Page) => p.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
export const notReloaded = (p: Page) => p.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload === true);

/** Waits until the element's text satisfies `match`; fails naming the last text seen. */
async function expectTextWhere(loc: Locator, match: (text: string) => boolean, wanted: string, timeout: number): Promise<void> {
  const end = Date.now() + timeout;
  let last = '';
  while (Date.now() < end) {
    last = (await loc.innerText({ timeout: Math.max(100, end - Date.now()) }).catch(() => '')).trim();
    if (match(last)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected text ${wanted}, last saw "${last}"`);
}

/** The element's text contains `text` (a message, a row). */
export const expectText = (loc: Locator, text: string, timeout = 10_000): Promise<void> => expectTextWhere(loc, (t) => t.includes(text), `"${text}"`, timeout);

/** The element's text ends with `text`: a count after its label ("空闲 2"), which "2" anywhere would not pin. */
export const expectTextEnd = (loc: Locator, text: string, timeout = 15_000): Promise<void> =>
  expectTextWhere(loc, (t) => t.endsWith(text), `ending "${text}"`, timeout);

export async function expectAttr(loc: Locator, name: string, value: string, timeout = 15_000): Promise<void> {
  const end = Date.now() + timeout;
  let last: string | null = null;
  while (Date.now() < end) {
    last = await loc.getAttribute(name, { timeout: Math.max(100, end - Date.now()) }).catch(() => null);
    if (last === value) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${name}="${value}", last saw "${last}"`);
}

/** axe-core's serious and critical violations on the page as it is, one line each. */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async () => {
    const doc = (globalThis as unknown as { document: unknown }).document;
    const axeApi = (globalThis as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: any[] }> } }).axe;
    const r = await axeApi.run(doc, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}) ×${v.nodes.length}: ${v.nodes[0]?.target?.join(' ')}`);
  });
}

/** How far the page scrolls sideways (0 when it fits), and the outermost element sticking out. */
export async function sidewaysScroll(page: Page): Promise<{ px: number; culprit: string }> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: any }).document;
    const el = doc.documentElement;
    const px = el.scrollWidth - el.clientWidth;
    if (px <= 1) return { px: 0, culprit: '' };
    const w = el.clientWidth;
    const view = (e: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { overflowX: string } }).getComputedStyle(e);
    const clipped = (x: any) => {
      for (let p = x.parentElement; p; p = p.parentElement) if (view(p).overflowX !== 'visible') return true;
      return false;
    };
    const out = ([...doc.querySelectorAll('body *')] as any[]).find((x) => x.getBoundingClientRect().right > w + 1 && !clipped(x));
    return { px, culprit: out ? `${out.tagName.toLowerCase()}.${String(out.className)}` : '?' };
  });
}
