// Phone-sized screenshots for the README, from a running site with the demo data:
//
//   make run            (in another terminal)
//   node docs/screenshots.mjs http://127.0.0.1:5000
//
// Uses Debian's Chromium through playwright-core, like the browser tests.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const base = process.argv[2] || 'http://127.0.0.1:5000';
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const shots = [
  ['home', '/'],
  ['ideas', '/idees/'],
  ['idea', '/idees/3'],
  ['territory', '/territoire/'],
  ['commune', '/territoire/communes/lens'],
  ['register', '/compte/inscription'],
  ['meetings', '/rencontres/'],
  ['meeting', '/rencontres/1'],
  ['actors', '/acteurs/'],
  ['proclamation', '/proclamation/'],
  ['signatories', '/proclamation/signataires'],
  ['partners', '/partenaires/'],
  ['partner', '/partenaires/caf-pas-de-calais'],
  ['toolbox', '/boite-a-outils/'],
  ['fiche', '/boite-a-outils/1'],
  ['processes', '/demarches/'],
];
const adminShots = [
  ['moderation', '/moderation/'],
  ['admin-accounts', '/admin/comptes'],
  ['admin-audit', '/admin/journal'],
  ['indicators', '/rencontres/indicateurs'],
  ['attendance', '/rencontres/6/emargement'],
  ['copil', '/copil/'],
  ['process', '/demarches/5'],
];
const ambassadorShots = [
  ['ambassador', '/acteurs/mon-espace'],
];

const browser = await chromium.launch({
  executablePath: process.env.LABO_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'fr-FR' });
const shoot = async ([name, url]) => {
  await page.goto(base + url);
  await page.screenshot({ path: path.join(out, `${name}.png`) });
};
for (const shot of shots) await shoot(shot);
// A newcomer's first idea, without an account: the form, then its private page
// (the demo server must run with LABO_GUEST_MIN_SECONDS=0, as `make run` does not:
// a script fills the form faster than a person).
await page.goto(`${base}/idees/nouvelle`);
await page.screenshot({ path: path.join(out, 'new-idea.png') });
await page.fill('main form.form textarea[name=body]', "Des bancs près de l'arrêt de bus : les anciens attendent debout.");
await page.selectOption('main form.form select[name=commune]', { label: 'Liévin' });
await page.fill('main form.form input[name=name]', 'Lina');
await Promise.all([page.waitForNavigation(), page.click('main form.form button[type=submit]')]);
await page.screenshot({ path: path.join(out, 'my-idea.png') });
await page.context().clearCookies();
await page.goto(`${base}/compte/connexion`);
await page.fill('input[name=email]', 'admin@labo.example');
await page.fill('input[name=password]', 'labo-demo-2024');
await page.click('main form button[type=submit]');
for (const shot of adminShots) await shoot(shot);
// The menu, opened (without JavaScript, a <details>).
await page.goto(`${base}/`);
await page.click('header details summary');
await page.screenshot({ path: path.join(out, 'menu.png') });
// Live workshops: the animator's console and the projector (a laptop's
// width), then a phone that joins the Avion workshop with its code.
await page.context().clearCookies();
await page.goto(`${base}/compte/connexion`);
await page.fill('input[name=email]', 'animatrice@labo.example');
await page.fill('input[name=password]', 'labo-demo-2024');
await page.click('main form button[type=submit]');
await page.goto(`${base}/ateliers/`);
const code = (await page.locator('.card', { hasText: 'Les jeunes et la participation' }).locator('.code').innerText()).trim();
await shoot(['workshops', '/ateliers/']);
await shoot(['workshop-console', '/ateliers/1']);
// The projector at a projector's 1280x720, the demo board as it stands. The
// projector in each phase (projector-joining/-writing/-grouping/-voting/
// -synthesis/-synthesis-focus.png, 40 notes in 4 columns) is shot by
// tests/browser/test_projector.py, which seeds its own boards:
//   LABO_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_projector.py
await page.setViewportSize({ width: 1280, height: 720 });
await page.goto(`${base}/ateliers/1/projection`);
await page.waitForSelector('#live-status[data-state="online"]');
await page.screenshot({ path: path.join(out, 'workshop-projector.png') });
await page.setViewportSize({ width: 360, height: 740 });
await shoot(['workshop-summary', '/ateliers/1/synthese']);
await page.context().clearCookies();
await page.goto(`${base}/atelier/`);
await page.screenshot({ path: path.join(out, 'workshop-code.png') });
await page.goto(`${base}/atelier/${code}`);
await page.fill('input[name=pseudonym]', 'Nadia');
await page.click('main form button[type=submit]');
await page.waitForSelector('#live-status[data-state="online"]');
await page.screenshot({ path: path.join(out, 'workshop-phone.png') });
await page.context().clearCookies();
await page.goto(`${base}/compte/connexion`);
await page.fill('input[name=email]', 'ambassadeur@labo.example');
await page.fill('input[name=password]', 'labo-demo-2024');
await page.click('main form button[type=submit]');
for (const shot of ambassadorShots) await shoot(shot);
// The fund, the Labo's opinions, questionnaires, walks and training sessions
// (issues 22 and 23), each seen by whoever uses it; `anchor` scrolls to a part.
const signIn = async (email) => {
  await page.context().clearCookies();
  await page.goto(`${base}/compte/connexion`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', 'labo-demo-2024');
  await page.click('main form button[type=submit]');
};
const shootAt = async ([name, url, anchor]) => {
  await page.goto(base + url);
  if (anchor) await page.locator(anchor).first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(out, `${name}.png`) });
};
await page.context().clearCookies();
for (const shot of [
  ['fund', '/fonds/2'],
  ['fund-projects', '/fonds/projets'],
  ['fund-report', '/fonds/demandes/1', "h2:has-text('bilan')"],
  ['opinions', '/avis/'],
  ['questionnaire', '/questionnaires/2'],
  ['walk', '/diagnostics/1', "h2:has-text('Ce qui a été vu')"],
  ['training', '/rencontres/7'],
  ['card', '/carte'],
  ['letter', '/lettre/'],
]) await shootAt(shot);
await signIn('habitante@labo.example');
await shootAt(['fund-apply', '/fonds/2/demander']);
await signIn('referente.lens@labo.example');
for (const shot of [
  ['walk-capture', '/diagnostics/2/constater'],
  ['walk-sort', '/diagnostics/1/tri'],
  ['door', '/questionnaires/2/porte-a-porte'],
]) await shootAt(shot);
await signIn('copil@labo.example');
await shootAt(['copil-opinions', '/copil/', '#avis-en-retard']);
await browser.close();
