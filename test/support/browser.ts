import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Locator, Page } from 'playwright-core';
import { loadConfig } from '@bedlink/config';
import { consoleDir } from '../../apps/api/src/console/console.controller';

/** Browser-test helpers shared by the console suites. */
export const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');

/** Debian's chromium must be there (no browser downloads); the console is built once if missing. */
export function consolePrerequisites(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (as root)`);
  if (!existsSync(join(consoleDir(loadConfig()), 'index.html'))) execSync('npm run console:build', { stdio: 'inherit', cwd: ROOT });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Marks the page; the mark survives only if the page is never reloaded. */
export const markNoReload = (p: Page) => p.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
export const notReloaded = (p: Page) => p.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload === true);

export async function expectText(loc: Locator, text: string, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  let last = '';
  while (Date.now() < end) {
    last = (await loc.innerText({ timeout: Math.max(100, end - Date.now()) }).catch(() => '')).trim();
    if (last.includes(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected text "${text}", last saw "${last}"`);
}

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
