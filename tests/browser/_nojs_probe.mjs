import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire('/work/main/tests/browser/run_pages.mjs');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
const context = await browser.newContext({ javaScriptEnabled: false });
const page = await context.newPage();
await page.setContent('<html lang="fr"><body><script>document.title="ran"</script><img src="x.png"></body></html>');
console.log('title', await page.title());
try {
  await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a'] } }));
  console.log('violations', r.violations.map(v => v.id));
} catch (e) { console.log('ERR', e.message.split('\n')[0]); }
await browser.close();
