// Browser checks for the Labo site, driven by a JSON job file:
//
//   node tests/browser/run_pages.mjs job.json
//
// Pages mode:  {"base": "http://127.0.0.1:PORT", "login": {"email", "password"} | null,
//               "pages": ["/path", ...], "widths": [360, 1280], "name": "public"}
//   each page loaded once, at the narrowest width, then widened (see checkPage)
// Flow mode:   {"base": ..., "login": {...}, "flow": "language"}
// Contribution flows, at a 360x740 phone viewport, axe-core on every page visited:
//   {"flow": "contribution-resident", "login", "commune": {"id", "name"}, "title", "body",
//    "photo": "/abs/path.jpg", "alt"}
//   {"flow": "contribution-draft", "login", "title", "body"}
//   {"flow": "contribution-referent", "login", "other": {login of a referent elsewhere},
//    "contribution": {"id", "title"}, "reason", "answer"}
// Flows print {"steps": [{"name", "ok", "detail"}], ...}.
// Board flow (live workshop board, projector + phone): see runBoardFlow below.
// Script flow, a list of generic steps run in order at a 360x740 phone viewport:
//   {"flow": "script", "widths": [360, 1280] (where "axe" checks), "steps": [
//     {"do": "login", "email", "password"}   {"do": "logout"}
//     {"do": "goto", "path", "status": 200}  {"do": "lang", "value": "en"}  (the switch in the header's menu)
//     {"do": "menu"}   (opens the header's "Menu", a <details>, as a tap on it does; the logout and
//         language steps open it themselves)
//     {"do": "fill", "selector", "value"}    {"do": "check", "selector"}
//     {"do": "select", "selector", "label" | "value"}
//     {"do": "submit", "selector", "status": 200, "url": "^regex$", "save": ["name", ...]}
//         (click, wait for the page it loads; "save" keeps the regex's groups)
//     {"do": "see", "text", "selector": "main", "absent": false}   (innerText, or a field's
//         value, contains text)
//     {"do": "count", "selector", "equals"}
//     {"do": "save", "name", "selector", "attr": "value" | "text" | any attribute, "strip": base?}
//     {"do": "axe", "label", "lang": "fr"}   (axe at each width, sideways scrolling, console errors)
//     {"do": "offline", "value": true | false}   (the browser's network cut or back)
//     {"do": "geolocation", "latitude", "longitude"}   (the page may ask for the phone's position: granted, fixed)
//     {"do": "upload", "selector", "file"}   (a file chosen in a file field, path from the repository's root)
//     {"do": "media", "value": "print" | null}   (the page as printed, or back to the screen)
//     {"do": "back"}   (the browser's Back button)
//     {"do": "click", "selector"}   (a click that loads no page, e.g. one handled by the page's script)
//     {"do": "viewport", "width", "height"}   (the window's size from now on; an "axe" step goes back to 360x740)
//     {"do": "screenshot", "file": "docs/screenshots/x.png"}   (the viewport as seen, path from the repository's root)
//     {"do": "wait", "selector", "text"?, "state": "visible" | "detached" | ..., "timeout": ms}
//     {"do": "noscript", "script": "attendance.js"}   (from now on the site's static/js/<script> is
//         served empty, as for a phone where it did not run: the page's forms alone are used)
//     {"do": "evaluate", "script": "JS expression", "equals": any?, "save": "name"?}   (runs the
//         expression in the page, awaiting a promise, e.g. two fetch() of a form at once; fails
//         unless its JSON equals "equals" when given; "save" keeps it, as JSON if not a string;
//         the non-2xx statuses of its own requests are not counted as console errors)
//     {"do": "pdf", "max": 2, "save": "pages", "file": "name.pdf"?}   (prints the page to PDF as
//         Chromium does, A4 with backgrounds, the page's own @page size first; counts its pages
//         and fails above "max"; the PDF goes to test-artifacts/pdf/)
//   ]}
// "{{name}}" in any string of a later step is replaced by the value saved under
// that name. The run stops at the first failed step, except "see", "count" and
// "axe", which go on. It prints {"steps": [...], "saved": {...}, "completed": bool}.
//
// Prints one JSON result on stdout. Uses Debian's Chromium through playwright-core
// (no browser download) and axe-core injected with page.evaluate, which the
// site's Content-Security-Policy does not block (no bypassCSP).
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENS = path.join(ROOT, 'test-artifacts', 'screens');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LOGOUT_BUTTON = 'header nav form[action$="/compte/deconnexion"] button[type=submit]';
// The header's "Menu": a <details>, closed on every page load, holding the account's links,
// the logout button and the language switch.
const SITE_MENU = 'header nav details.nav-more';

async function openMenu(page) {
  const menu = page.locator(SITE_MENU);
  if ((await menu.count()) === 1 && !(await menu.evaluate((d) => d.open))) await menu.locator('summary').click();
}

// Open the menu, click one of its buttons (logout, language) and wait for the page it loads.
async function clickInMenu(page, selector) {
  await openMenu(page);
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response;
}

// Runs before any page script, outside the page's CSP: reports every CSP
// violation as a console error, which the console listener below collects.
const CSP_LISTENER = () => {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
  });
};

async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.LABO_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    headless: true,
  });
  // A French-speaking visitor: the site picks its language from Accept-Language.
  const context = await browser.newContext({ locale: 'fr-FR' });
  await context.addInitScript(CSP_LISTENER);
  const page = await context.newPage();
  // French typography puts no-break spaces before « : ; ? ! » and inside
  // numbers ("15 000"): the steps read them as plain spaces, as a person does
  // (the Python tests' page_text() does the same).
  const locatorProto = Object.getPrototypeOf(page.locator('body'));
  if (!locatorProto.laboPlainText) {
    const innerText = locatorProto.innerText;
    locatorProto.innerText = async function plainInnerText(...args) {
      return (await innerText.apply(this, args)).replace(/[\u00a0\u202f]/g, ' ');
    };
    locatorProto.laboPlainText = true;
  }
  page.setDefaultTimeout(15000);
  // Images being fetched, for resizeTo() to wait for a wider srcset copy.
  page.laboImages = new Set();
  page.on('request', (r) => { if (r.resourceType() === 'image') page.laboImages.add(r); });
  page.on('requestfinished', (r) => page.laboImages.delete(r));
  page.on('requestfailed', (r) => page.laboImages.delete(r));
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url || '';
    // The browser logs the page's own non-2xx status; the status is checked apart.
    if (/^Failed to load resource/.test(msg.text()) && where === page.url()) return;
    errors.push(`console: ${msg.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return { browser, context, page, errors };
}

const htmlLang = (page) => page.evaluate(() => document.documentElement.getAttribute('lang'));

async function logIn(page, base, { email, password }) {
  await page.goto(`${base}/compte/connexion`);
  await page.fill('main form input[name=email]', email);
  await page.fill('main form input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
  const loggedIn = (await page.locator(LOGOUT_BUTTON).count()) === 1;
  return { ok: loggedIn, url: page.url().slice(base.length) };
}

async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    AXE_TAGS,
  );
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
}

// Resize the page and let it settle: resize observers (chart.js) run at the
// next frames, and a photo's srcset may fetch a wider copy (whose errors count
// as console errors).
async function resizeTo(page, width, height) {
  await page.setViewportSize({ width, height });
  const frames = () => page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await frames();
  for (let waited = 0; page.laboImages.size && waited < 3000; waited += 25) await page.waitForTimeout(25);
  await frames();
}

async function skipLinkFirst(page) {
  // Tab from the top of the page, as after a fresh load: focus the body for a
  // moment (a link blurred at another width would stay Tab's starting point).
  await page.evaluate(() => {
    const body = document.body;
    document.activeElement?.blur();
    window.scrollTo(0, 0);
    if (!body.hasAttribute('tabindex')) {
      body.setAttribute('tabindex', '-1');
      body.focus({ preventScroll: true });
      body.removeAttribute('tabindex');
    }
  });
  await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const el = document.activeElement;
    const ok = el?.tagName === 'A' && el.getAttribute('href') === '#contenu';
    const box = el?.getBoundingClientRect();
    const visible = !!box && box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0
      && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
    return { ok, visible, focused: el ? el.outerHTML.slice(0, 120) : null };
  });
}

// "/territoire/communes/lens" -> "public--territoire_communes_lens.png"; a signed
// token (it has dots, slugs never do) becomes "token" so reruns overwrite one file.
const screenName = (prefix, pagePath) => {
  const slug = pagePath.split(/[/?#]/).filter(Boolean)
    .map((part) => (part.includes('.') ? 'token' : part.replace(/[^A-Za-z0-9-]+/g, '_')))
    .join('_') || 'accueil';
  return `${prefix ? prefix + '--' : ''}${slug}.png`;
};

// One page at several widths, loaded once: at the narrowest width (a phone,
// 360 px), then widened to each other width. The server never sees the
// viewport, so the status, redirect, language and HTML are those of the one
// load; the site's own scripts do not read the width when the page loads
// (static/js), and chart.js redraws on a resize: a widened page is the page
// loaded at that width, as a phone turned sideways is. At every width: every
// axe rule, the skip link first, sideways scrolling, console and CSP errors
// (the load's at the first width, the widening's at the others); a screenshot
// at the first. One result per width; only the first has `load: true`.
async function checkPage(page, errors, base, pagePath, widths, prefix) {
  const [narrow, ...wider] = [...widths].sort((a, b) => a - b);
  errors.length = 0;
  await page.setViewportSize({ width: narrow, height: 800 });
  const response = await page.goto(base + pagePath, { waitUntil: 'load' });
  const loaded = {
    status: response ? response.status() : null,
    finalPath: page.url().slice(base.length),
    lang: await htmlLang(page),
  };
  const results = [];
  for (const width of [narrow, ...wider]) {
    if (width !== narrow) {
      errors.length = 0;
      await resizeTo(page, width, 800);
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    const violations = await runAxe(page);
    if (width === narrow) {
      mkdirSync(SCREENS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENS, screenName(prefix, pagePath)), fullPage: true });
    }
    const skip = await skipLinkFirst(page);
    results.push({
      path: pagePath, width, load: width === narrow, ...loaded,
      violations, skipLinkFirst: skip.ok, skipLinkVisible: skip.visible, firstFocus: skip.focused,
      overflow, scrollWidth, errors: [...errors],
    });
  }
  return results;
}

async function runPages(job, page, errors) {
  const result = { login: null, results: [] };
  if (job.login) {
    result.login = await logIn(page, job.base, job.login);
    if (!result.login.ok) return result;
  }
  for (const pagePath of job.pages) {
    result.results.push(...await checkPage(page, errors, job.base, pagePath, job.widths || [360, 1280], job.name));
  }
  return result;
}

async function runLanguageFlow(job, page, errors) {
  const steps = [];
  const step = (name, ok, detail) => steps.push({ name, ok: !!ok, detail });
  const navText = async () => { await openMenu(page); return page.locator('header nav').innerText(); };

  await page.goto(`${job.base}/`);
  let lang = await htmlLang(page);
  step('home is in French', lang === 'fr', { lang });

  await clickInMenu(page, 'header button[name=lang][value=en]');
  lang = await htmlLang(page);
  step('switch to English sets html[lang=en]', lang === 'en', { lang, url: page.url() });
  let nav = await navText();
  step('nav says "Home"', /\bHome\b/.test(nav), { nav });
  const violations = await runAxe(page);
  step('English home passes axe', violations.length === 0, { violations });

  const login = await logIn(page, job.base, job.login);
  step('log in shows a logout button', login.ok, login);
  lang = await htmlLang(page);
  step('still English after logging in', lang === 'en', { lang });

  if (login.ok) {
    await clickInMenu(page, LOGOUT_BUTTON);
    const stillThere = await page.locator(LOGOUT_BUTTON).count();
    const loginLink = await page.locator('header nav a[href$="/compte/connexion"]').count();
    nav = await navText();
    step('log out removes the logout button', stillThere === 0 && loginLink === 1, { nav });
  }
  step('no console or CSP errors', errors.length === 0, { errors: [...errors] });
  return { steps };
}

// --- contribution flows (phone size) -------------------------------------

const PHONE = { width: 360, height: 740 };
const DRAFT_FORM = 'form[data-draft-key="contribution-new"]';
const DRAFT_PREFIX = 'labo-draft:';  // + the form's data-draft-key + ':' + data-draft-owner (the account)

// A recorder shared by the contribution flows: named steps, and `audit(label)`,
// which checks the page as it is now (axe, sideways scrolling, console errors).
function recorder(job, page, errors) {
  const steps = [];
  const step = (name, ok, detail = null) => { steps.push({ name, ok: !!ok, detail }); return !!ok; };
  const here = () => page.url().slice(job.base.length);
  const audit = async (label) => {
    const violations = await runAxe(page);
    step(`${label}: axe finds no WCAG 2.1 A/AA violation`, violations.length === 0, { url: here(), violations });
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    step(`${label}: no sideways scrolling at ${PHONE.width}px`, scrollWidth <= PHONE.width, { url: here(), scrollWidth });
    step(`${label}: no console or CSP errors`, errors.length === 0, { url: here(), errors: [...errors] });
    errors.length = 0;
  };
  // Click and wait for the page it loads; returns that page's HTTP status.
  const submit = async (locator) => {
    const [response] = await Promise.all([page.waitForNavigation(), locator.click()]);
    return response ? response.status() : null;
  };
  const goto = async (pagePath) => {
    const response = await page.goto(job.base + pagePath, { waitUntil: 'load' });
    return response ? response.status() : null;
  };
  const flashes = async () => {
    const box = page.locator('main .flashes');
    return (await box.count()) ? (await box.innerText()).trim() : '';
  };
  return { steps, step, here, audit, submit, goto, flashes };
}

async function runContributionResident(job, page, errors) {
  const { steps, step, here, audit, submit, goto, flashes } = recorder(job, page, errors);
  const login = await logIn(page, job.base, job.login);
  if (!step('log in as the resident', login.ok, login)) return { steps };
  errors.length = 0;

  let status = await goto('/idees/nouvelle');
  step('the form opens', status === 200, { status, url: here() });
  await audit('new contribution form');
  const form = page.locator(DRAFT_FORM);
  const commune = form.locator('select[name=commune]');
  const communeValue = await commune.inputValue();
  const communeText = await commune.evaluate((el) => el.selectedOptions[0]?.textContent.trim() ?? null);
  step('the commune is pre-filled with the home commune', communeValue === String(job.commune.id)
    && communeText === job.commune.name, { value: communeValue, text: communeText, want: job.commune });

  // The kind and the title are under "Préciser (facultatif)", closed at first.
  await form.locator('details.more-fields > summary').click();
  await form.locator('input[name=kind][value=envie]').check();
  await form.locator('input[name=title]').fill(job.title);
  await form.locator('textarea[name=body]').fill(job.body);
  await form.locator('input[name=photo]').setInputFiles(job.photo);
  await form.locator('input[name=photo_alt]').fill(job.alt);
  await audit('new contribution form, filled in');
  status = await submit(form.locator('button[type=submit]', { hasText: 'Envoyer' }));
  const match = /^\/idees\/(\d+)\?envoye=1$/.exec(here());
  step('sending lands on the new contribution', status === 200 && match, { status, url: here() });
  if (!match) return { steps };
  const id = Number(match[1]);
  const detailPath = `/idees/${id}`;
  const flash = await flashes();
  step('the success message is shown', /Merci ! Votre idée est publiée\./.test(flash), { flash });
  const h1 = (await page.locator('main h1').innerText()).trim();
  step('the title is shown', h1 === job.title, { h1 });
  const kind = (await page.locator('main .contrib-meta .tag').innerText()).trim();
  step('the kind is "envie"', await page.locator('main .contrib-meta .tag-envie').count() === 1, { kind });
  const bodyText = await page.locator('main article.contribution .rich').innerText();
  step('the body is shown', bodyText.includes(job.body), { bodyText });

  const img = page.locator('main figure.photo img');
  let photo = { count: await img.count() };
  if (photo.count === 1) {
    await img.scrollIntoViewIfNeeded();  // loading="lazy": below the fold on a phone
    await page.waitForFunction((el) => el.complete, await img.elementHandle(), { timeout: 10000 }).catch(() => {});
    photo = await img.evaluate((el) => ({
      count: 1, src: el.currentSrc, alt: el.getAttribute('alt'),
      naturalWidth: el.naturalWidth, naturalHeight: el.naturalHeight,
      shownWidth: el.getBoundingClientRect().width,
    }));
    const fetched = await page.request.get(photo.src);
    photo.status = fetched.status();
    photo.contentType = fetched.headers()['content-type'];
  }
  step('the photo is shown, served by the site', photo.count === 1 && photo.naturalWidth > 0
    && photo.src.startsWith(`${job.base}/idees/photos/`) && photo.status === 200
    && photo.contentType === 'image/jpeg', photo);
  step('the photo has the alt text typed', photo.alt === job.alt, photo);
  step('the photo fits the phone screen', photo.shownWidth > 0 && photo.shownWidth <= PHONE.width, photo);
  await audit('contribution just sent');

  status = await goto('/idees/');
  step('the list opens', status === 200, { status });
  await audit('list of contributions');
  const link = page.locator(`main .contrib-list a[href$="${detailPath}"]`);
  const linkText = (await link.count()) === 1 ? (await link.innerText()).trim() : null;
  step('the new contribution is listed', linkText === job.title, { linkText });
  if (linkText === null) return { steps, id };
  status = await submit(link);
  step('its link opens it', status === 200 && here() === detailPath, { status, url: here() });
  await audit('contribution');

  const heading = page.locator('#soutenir');
  const before = (await heading.innerText()).trim();
  step('nobody supports it yet', /^Personne ne soutient encore/.test(before), { heading: before });
  const supportButton = page.locator('#soutien form[action$="/soutenir"] button[type=submit]');
  const label = (await supportButton.innerText()).trim();
  step('the button says "Je soutiens"', label === 'Je soutiens', { label });
  status = await submit(supportButton);
  step('supporting comes back to the contribution', status === 200 && here().startsWith(detailPath), { status, url: here() });
  const after = (await heading.innerText()).trim();
  step('the count goes to 1', /^1 personne soutient$/.test(after), { heading: after });
  const newLabel = (await supportButton.innerText()).trim();
  step('the button becomes "Je ne soutiens plus"', newLabel === 'Je ne soutiens plus', { label: newLabel });
  step('the thank-you message is shown', /Merci, votre soutien est compté/.test(await flashes()), { flash: await flashes() });
  await audit('contribution after supporting');
  return { steps, id };
}

async function runContributionDraft(job, page, errors, context) {
  const { steps, step, here, audit, submit, goto } = recorder(job, page, errors);
  const login = await logIn(page, job.base, job.login);
  if (!step('log in as the resident', login.ok, login)) return { steps };
  errors.length = 0;
  const form = page.locator(DRAFT_FORM);
  const title = form.locator('input[name=title]');
  const body = form.locator('textarea[name=body]');
  const draftKeys = () => page.evaluate((prefix) => Object.keys(window.localStorage)
    .filter((k) => k.startsWith(prefix)), DRAFT_PREFIX);
  const draft = () => page.evaluate(([sel, prefix]) => {
    const f = document.querySelector(sel);
    return f ? window.localStorage.getItem(`${prefix}${f.dataset.draftKey}:${f.dataset.draftOwner}`) : null;
  }, [DRAFT_FORM, DRAFT_PREFIX]);

  let status = await goto('/idees/nouvelle');
  step('the form opens', status === 200, { status });
  step('the form says drafts are kept on the phone', await form.locator('.draft-note').last().isVisible());
  step('the form says the photo is not kept in the draft',
    /photo n'est pas gardée/.test(await form.locator('.draft-note').first().innerText()));
  await audit('new contribution form');
  await form.locator('details.more-fields > summary').click();
  await title.fill(job.title);
  await body.fill(job.body);
  const saved = JSON.parse((await draft()) || 'null');
  step('what is typed is saved in localStorage', saved && saved.title === job.title && saved.body === job.body, { saved });
  const owner = await form.getAttribute('data-draft-owner');
  const keys = await draftKeys();
  step('the draft is kept under this account\'s own key',
    /^\d+$/.test(owner || '') && keys.length === 1 && keys[0] === `${DRAFT_PREFIX}contribution-new:${owner}`, { owner, keys });

  await context.setOffline(true);
  let failure = null;
  try {
    await Promise.all([
      page.waitForNavigation({ timeout: 10000 }),
      form.locator('button[type=submit]', { hasText: 'Envoyer' }).click(),
    ]);
  } catch (err) {
    failure = String(err.message || err).split('\n')[0];
  }
  const offlineUrl = page.url();
  step('sending with the network down fails', !/\/idees\/\d+/.test(offlineUrl), { url: offlineUrl, failure });
  await context.setOffline(false);
  errors.length = 0;  // the failed navigation's own messages

  status = await goto('/idees/nouvelle');
  step('back online, the form opens again', status === 200, { status });
  const restored = { title: await title.inputValue(), body: await body.inputValue() };
  step('the title and body typed before are restored', restored.title === job.title && restored.body === job.body, restored);
  step('the restored title is in sight (its section opened)',
    await form.locator('details.more-fields').evaluate((d) => d.open), {});
  await audit('new contribution form, draft restored');

  status = await submit(form.locator('button[type=submit]', { hasText: 'Envoyer' }));
  const sent = /^\/idees\/\d+\?envoye=1$/.test(here());
  step('sending the restored draft works', status === 200 && sent, { status, url: here() });
  step('the sent contribution has the restored title',
    (await page.locator('main h1').innerText()).trim() === job.title);
  await audit('contribution just sent');

  status = await goto('/idees/nouvelle');
  step('the form opens once more', status === 200, { status });
  const after = { title: await title.inputValue(), body: await body.inputValue(), stored: await draft() };
  step('after a successful send the form is empty', after.title === '' && after.body === '', after);
  step('after a successful send the draft is gone from localStorage', after.stored === null, after);
  await audit('new contribution form, after sending');

  await form.locator('details.more-fields > summary').click();
  await title.fill('Un brouillon pas encore envoyé');
  const before = await draftKeys();
  await clickInMenu(page, LOGOUT_BUTTON);
  const left = await draftKeys();
  step('logging out clears the drafts kept on this device', before.length === 1 && left.length === 0, { before, left });
  return { steps };
}

async function runContributionReferent(job, page, errors) {
  const { steps, step, here, audit, submit, goto, flashes } = recorder(job, page, errors);
  const { id, title } = job.contribution;
  const detailPath = `/idees/${id}`;
  const box = page.locator('main section.moderation-box');
  const hiddenNotice = page.locator('main article.contribution .notice-warn');
  const login = await logIn(page, job.base, job.login);
  if (!step('log in as the Lens referent', login.ok, login)) return { steps };
  errors.length = 0;

  let status = await goto('/moderation/');
  step('the moderation queue opens', status === 200, { status });
  await audit('moderation queue');
  const link = page.locator(`main section[aria-labelledby=q-recent] a[href$="${detailPath}"]`);
  step('the contribution is among the recent ones', (await link.count()) === 1);
  status = (await link.count()) === 1 ? await submit(link) : await goto(detailPath);
  step('the contribution opens', status === 200 && here() === detailPath, { status, url: here() });
  step('the referent sees the moderation box', (await box.count()) === 1);
  await audit('contribution, as its referent');
  if ((await box.count()) !== 1) return { steps };

  await box.locator('textarea[name=reason]').fill(job.reason);
  status = await submit(box.locator('button[type=submit]', { hasText: 'Masquer' }));
  step('hiding comes back to the contribution', status === 200 && here() === detailPath, { status, url: here() });
  const notice = (await hiddenNotice.count()) ? (await hiddenNotice.innerText()).trim() : null;
  step('the page says it is hidden, with the reason', notice && /Masquée/.test(notice) && notice.includes(job.reason), { notice });
  step('the hiding is confirmed', /masquée/.test(await flashes()), { flash: await flashes() });
  await audit('hidden contribution');

  status = await goto('/moderation/');
  const hiddenItem = page.locator('main section[aria-labelledby=q-hidden] li', { has: page.locator(`a[href$="${detailPath}"]`) });
  const hiddenText = (await hiddenItem.count()) === 1 ? await hiddenItem.innerText() : null;
  step('the queue lists it among the hidden ones, with the reason', hiddenText && hiddenText.includes(job.reason), { hiddenText });
  await audit('moderation queue, with a hidden contribution');

  status = await goto(detailPath);
  const restore = box.locator('button[type=submit]', { hasText: 'Rétablir' });
  step('a hidden contribution offers "Rétablir"', (await restore.count()) === 1);
  if ((await restore.count()) === 1) {
    status = await submit(restore);
    step('restoring comes back to the contribution', status === 200 && here() === detailPath, { status, url: here() });
    step('the hidden notice is gone', (await hiddenNotice.count()) === 0);
    step('the restoring is confirmed', /de nouveau visible/.test(await flashes()), { flash: await flashes() });
    step('"Masquer" is offered again', (await box.locator('button', { hasText: 'Masquer' }).count()) === 1);
    await audit('restored contribution');
  }

  await box.locator('select[name=status]').selectOption('retenue');
  await box.locator('textarea[name=answer]').fill(job.answer);
  status = await submit(box.locator('button[type=submit]', { hasText: 'Enregistrer' }));
  step('answering comes back to the contribution', status === 200 && here() === detailPath, { status, url: here() });
  const answerSection = page.locator('main section.answer');
  const answerText = (await answerSection.locator('.answer-text').count())
    ? (await answerSection.locator('.answer-text').innerText()).trim() : null;
  const answerHeading = (await answerSection.locator('h2').innerText()).trim();
  step('the answer is shown in "La réponse"', answerHeading === 'La réponse' && answerText && answerText.includes(job.answer),
    { answerHeading, answerText });
  const statusBadge = (await page.locator('main article.contribution .status').innerText()).trim();
  step('the status shown is "retenue"', (await page.locator('main article.contribution .status-retenue').count()) === 1, { statusBadge });
  step('the answer is confirmed', /statut et la réponse sont enregistrés/.test(await flashes()), { flash: await flashes() });
  await audit('answered contribution');

  await clickInMenu(page, LOGOUT_BUTTON);
  const other = await logIn(page, job.base, job.other);
  if (!step('log in as the Liévin referent', other.ok, other)) return { steps };
  errors.length = 0;
  status = await goto(detailPath);
  step('the Liévin referent can read the Lens contribution', status === 200, { status });
  step('the Liévin referent sees no moderation box', (await box.count()) === 0
    && (await page.locator('main form[action$="/masquer"], main form[action$="/reponse"]').count()) === 0);
  await audit('contribution, as a referent of another commune');
  return { steps };
}

// --- generic script flow (phone size) ------------------------------------

async function runScript(job, page, errors, context) {
  const { steps, step, here, submit, goto } = recorder(job, page, errors);
  const saved = {};
  let completed = true;
  const widths = job.widths || [PHONE.width];
  const fillIn = (value) => (typeof value === 'string'
    ? value.replace(/\{\{(\w+)\}\}/g, (_, name) => (name in saved ? saved[name] : `{{${name}}}`)) : value);
  const resolve = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.isArray(v) ? v.map(fillIn) : fillIn(v)]));
  const mainText = async (selector) => {
    const where = page.locator(selector || 'main');
    const texts = await where.evaluateAll((els) => els.map(
      (el) => (el.matches('input, textarea, select') ? el.value : el.innerText)));
    return texts.join('\n').replace(/[\u00a0\u202f]/g, ' ');
  };
  for (const raw of job.steps) {
    const s = resolve(raw);
    let ok = true;
    let soft = false;
    try {
      switch (s.do) {
        case 'login': {
          const login = await logIn(page, job.base, s);
          ok = step(s.name || `log in as ${s.email}`, login.ok, login);
          errors.length = 0;
          break;
        }
        case 'logout': {
          await clickInMenu(page, LOGOUT_BUTTON);
          ok = step(s.name || 'log out', (await page.locator(LOGOUT_BUTTON).count()) === 0, { url: here() });
          break;
        }
        case 'goto': {
          const status = await goto(s.path);
          const want = s.status ?? 200;
          ok = step(s.name || `open ${s.path}`, status === want, { status, want, url: here() });
          break;
        }
        case 'back': {
          // The browser's Back button: the page comes from the back-forward cache or is
          // loaded again, with the form fields the browser restores.
          await page.goBack({ waitUntil: 'load' });
          ok = step(s.name || 'go back', true, { url: here() });
          break;
        }
        case 'lang': {
          await clickInMenu(page, `header button[name=lang][value=${s.value}]`);
          const lang = await htmlLang(page);
          ok = step(s.name || `switch the language to ${s.value}`, lang === s.value, { lang, url: here() });
          break;
        }
        case 'menu':
          await openMenu(page);
          ok = step(s.name || 'open the menu', await page.locator(SITE_MENU).evaluate((d) => d.open), { url: here() });
          break;
        case 'fill':
          await page.fill(s.selector, String(s.value));
          break;
        case 'check':
          await page.check(s.selector);
          break;
        case 'select':
          await page.selectOption(s.selector, s.label !== undefined ? { label: s.label } : { value: String(s.value) });
          break;
        case 'submit': {
          const status = await submit(page.locator(s.selector).first());
          const want = s.status ?? 200;
          const match = s.url ? new RegExp(s.url).exec(here()) : [];
          ok = step(s.name || `send ${s.selector}`, status === want && !!match, { status, want, url: here(), pattern: s.url || null });
          if (match && s.save) s.save.forEach((name, i) => { saved[name] = match[i + 1]; });
          break;
        }
        case 'see': {
          soft = true;
          const text = await mainText(s.selector);
          const found = text.includes(s.text);
          step(s.name || `${s.absent ? 'does not show' : 'shows'} "${s.text}"`, s.absent ? !found : found,
            { url: here(), selector: s.selector || 'main', text: text.slice(0, 1500) });
          break;
        }
        case 'count': {
          soft = true;
          const n = await page.locator(s.selector).count();
          step(s.name || `${s.equals} × ${s.selector}`, n === s.equals, { url: here(), count: n });
          break;
        }
        case 'save': {
          const el = page.locator(s.selector).first();
          let value = null;
          if (await el.count()) {
            const attr = s.attr || 'text';
            value = attr === 'value' ? await el.inputValue()
              : attr === 'text' ? (await el.innerText()).trim() : await el.getAttribute(attr);
          }
          if (value !== null && s.strip && value.startsWith(s.strip)) value = value.slice(s.strip.length);
          saved[s.name] = value;
          ok = step(s.name ? `read ${s.name}` : `read ${s.selector}`, value !== null && value !== '', { value, url: here() });
          break;
        }
        case 'axe': {
          soft = true;
          const label = s.label || here();
          for (const width of widths) {
            if (widths.length > 1 || width !== PHONE.width) await page.setViewportSize({ width, height: PHONE.height });
            const violations = await runAxe(page);
            step(`${label} @${width}px: axe finds no WCAG 2.1 A/AA violation`, violations.length === 0, { url: here(), violations });
            const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
            step(`${label} @${width}px: no sideways scrolling`, scrollWidth <= width, { url: here(), scrollWidth });
          }
          await page.setViewportSize(PHONE);
          if (s.lang) {
            const lang = await htmlLang(page);
            step(`${label}: html[lang=${s.lang}]`, lang === s.lang, { lang });
          }
          step(`${label}: no console or CSP errors`, errors.length === 0, { url: here(), errors: [...errors] });
          errors.length = 0;
          break;
        }
        case 'noscript':
          await page.route(`**/static/js/${s.script}*`, (route) => route.fulfill({
            status: 200, contentType: 'text/javascript', body: '/* not run in this test */' }));
          ok = step(s.name || `the page runs without ${s.script}`, true);
          break;
        case 'geolocation':
          await context.grantPermissions(['geolocation'], { origin: job.base });
          await context.setGeolocation({ latitude: s.latitude, longitude: s.longitude, accuracy: s.accuracy ?? 10 });
          ok = step(s.name || `the phone is at ${s.latitude}, ${s.longitude} and may say so`, true);
          break;
        case 'media':
          await page.emulateMedia({ media: s.value || null });
          ok = step(s.name || `the page is shown for ${s.value || 'the screen'}`, true);
          break;
        case 'upload':
          await page.setInputFiles(s.selector, path.isAbsolute(s.file) ? s.file : path.join(ROOT, s.file));
          break;
        case 'offline':
          await context.setOffline(!!s.value);
          ok = step(s.name || (s.value ? 'the network is cut' : 'the network is back'), true);
          break;
        case 'click':
          await page.locator(s.selector).first().click();
          break;
        case 'viewport':
          await resizeTo(page, s.width, s.height);
          ok = step(s.name || `the window is ${s.width}x${s.height}`, true);
          break;
        case 'screenshot':
          mkdirSync(path.dirname(path.join(ROOT, s.file)), { recursive: true });
          await page.screenshot({ path: path.join(ROOT, s.file) });
          ok = step(s.name || `screenshot ${s.file}`, true);
          break;
        case 'evaluate': {
          const seen = errors.length;
          const value = await page.evaluate(s.script);
          // The statuses of the script's own requests are its result to check,
          // not console errors: drop the browser's "Failed to load resource".
          await page.waitForTimeout(100);
          const others = errors.splice(seen).filter((e) => !/^console: Failed to load resource/.test(e));
          errors.push(...others);
          const json = JSON.stringify(value);
          if (s.save) saved[s.save] = typeof value === 'string' ? value : json;
          ok = step(s.name || 'run a script in the page', s.equals === undefined || json === JSON.stringify(s.equals),
            { value, want: s.equals ?? null, url: here() });
          break;
        }
        case 'pdf': {
          const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
          const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
          const dir = path.join(ROOT, 'test-artifacts', 'pdf');
          mkdirSync(dir, { recursive: true });
          writeFileSync(path.join(dir, s.file || screenName('', here().split('?')[0]).replace(/\.png$/, '.pdf')), pdf);
          if (s.save) saved[s.save] = String(pages);
          ok = step(s.name || `the printed page has ${s.max ?? 'any number of'} page(s) or fewer`,
            pages > 0 && (s.max === undefined || pages <= s.max), { pages, max: s.max ?? null, url: here() });
          break;
        }
        case 'wait': {
          let where = page.locator(s.selector);
          if (s.text) where = where.filter({ hasText: s.text });
          const state = s.state || 'visible';
          const found = await where.first().waitFor({ state, timeout: s.timeout || 10000 }).then(() => true, () => false);
          ok = step(s.name || `wait for ${s.selector}${s.text ? ` "${s.text}"` : ''} to be ${state}`, found, { url: here() });
          break;
        }
        default:
          throw new Error(`unknown script step: ${JSON.stringify(raw)}`);
      }
    } catch (err) {
      ok = step(s.name || `${s.do} ${s.selector || s.path || ''}`.trim(), false,
        { error: String(err.message || err).split('\n')[0], url: here() });
      soft = false;
    }
    if (!ok && !soft) { completed = false; break; }
  }
  return { steps, saved, completed };
}

// --- the live workshop board: a projector and a phone at once -------------------
// {"flow": "board", "login": animator, "board": {"id", "code"}, "pseudonym",
//  "notes": [first, offline]}: the animator's projector (1280 px) and console,
// and a phone (360 px, its own browser context, no account) in one Chromium.
// The phone joins with the code, posts a note that must appear on the
// projector; loses the network, posts a second one that waits on the phone,
// gets the network back and the note appears; the console moves to the vote,
// the phone places a dot the projector counts; the console groups the two
// notes by dragging one onto the other, and hides one (gone from the phone).
// axe-core on every screen, in each state that matters.
async function runBoardFlow(job, page, errors, context) {
  const steps = [];
  const step = (name, ok, detail = null) => { steps.push({ name, ok: !!ok, detail }); return !!ok; };
  const audit = async (p, label, width) => {
    const violations = await runAxe(p);
    step(`${label}: axe finds no WCAG 2.1 A/AA violation`, violations.length === 0, { url: p.url(), violations });
    const scrollWidth = await p.evaluate(() => document.documentElement.scrollWidth);
    step(`${label}: no sideways scrolling at ${width}px`, scrollWidth <= width, { scrollWidth });
  };
  const online = (p) => p.waitForSelector('#live-status[data-state="online"]', { timeout: 10000 }).then(() => true, () => false);
  const seen = (p, selector, text, timeout = 5000) => p.locator(selector, { hasText: text }).first()
    .waitFor({ timeout }).then(() => true, () => false);
  const [first, offline] = job.notes;

  await page.setViewportSize({ width: 1280, height: 900 });
  const login = await logIn(page, job.base, job.login);
  if (!step('the animator logs in', login.ok, login)) return { steps };
  await page.goto(`${job.base}/ateliers/${job.board.id}/projection`);
  if (!step('the projector is live', await online(page))) return { steps };
  await audit(page, 'projector', 1280);
  const console_ = await context.newPage();
  await console_.setViewportSize({ width: 1280, height: 900 });
  await console_.goto(`${job.base}/ateliers/${job.board.id}`);
  if (!step('the console is live', await online(console_))) return { steps };
  await audit(console_, 'console', 1280);

  const phoneContext = await context.browser().newContext({ locale: 'fr-FR', viewport: PHONE });
  await phoneContext.addInitScript(CSP_LISTENER);
  const phone = await phoneContext.newPage();
  phone.setDefaultTimeout(15000);
  phone.on('console', (msg) => { if (msg.type() === 'error') errors.push(`phone console: ${msg.text()}`); });
  phone.on('pageerror', (err) => errors.push(`phone pageerror: ${err.message}`));
  await phone.goto(`${job.base}/atelier/`);
  await phone.fill('#code', job.board.code.toLowerCase());
  await Promise.all([phone.waitForNavigation(), phone.click('main form button[type=submit]')]);
  await audit(phone, 'phone, join page', PHONE.width);
  await phone.fill('#pseudonym', job.pseudonym);
  await Promise.all([phone.waitForNavigation(), phone.click('main form button[type=submit]')]);
  if (!step('the phone joined with the code and is live', await online(phone), { url: phone.url() })) return { steps };
  await audit(phone, 'phone, writing', PHONE.width);

  await phone.fill('#text', first);
  const sentAt = Date.now();
  await phone.click('#note-form button[type=submit]');
  step('a note typed on the phone appears on the projector', await seen(page, '#board-render .note-text', first),
    { ms: Date.now() - sentAt });
  step('and on the console', await seen(console_, '#board-render .note-text', first));
  const reachedMs = Date.now() - sentAt;

  await phoneContext.setOffline(true);
  await phone.evaluate(() => window.dispatchEvent(new Event('offline')));
  step('the phone says the network is gone', await phone.waitForSelector('#live-status[data-state="offline"]', { timeout: 30000 })
    .then(() => true, () => false));
  await phone.fill('#text', offline);
  await phone.click('#note-form button[type=submit]');
  step('the note written offline waits on the phone', await seen(phone, '#outbox', '1 note en attente'));
  await audit(phone, 'phone, offline, one note waiting', PHONE.width);
  step('it is not on the projector yet', (await page.locator('#board-render .note-text', { hasText: offline }).count()) === 0);
  await phoneContext.setOffline(false);
  step('back online, the waiting note reaches the projector', await seen(page, '#board-render .note-text', offline, 20000));
  step('the phone no longer has anything waiting', await phone.waitForFunction(
    () => document.getElementById('outbox').textContent.trim() === '', null, { timeout: 10000 }).then(() => true, () => false));
  step('the projector shows it once', (await page.locator('#board-render .note-text', { hasText: offline }).count()) === 1);

  await console_.selectOption('#phase', 'voting');
  await console_.click('#steer-form button[type=submit]');
  step('the phone moves to the vote', await seen(phone, '#phase-label', 'Vote par gommettes'));
  const placeButton = phone.locator('.note', { hasText: first }).locator('button[data-dot="place"]');
  step('the phone shows a dot button on the note', await placeButton.waitFor({ timeout: 5000 }).then(() => true, () => false));
  await audit(phone, 'phone, voting', PHONE.width);
  await placeButton.click();
  step('the projector counts the dot', await seen(page, '.note', '1 gommette'));
  step('the phone says how many dots are left', await seen(phone, '#dots-left', 'Il vous reste 2 gommettes.'));

  // A note's card, by its own text (another card's "group with" list names it too).
  const card = (p, text) => p.locator('#board-render li.note').filter({ has: p.locator('p.note-text', { hasText: text }) });
  const from = card(console_, offline);
  const onto = card(console_, first);
  await from.dragTo(onto);
  step('dragging one note onto another makes a group on the projector',
    await seen(page, '#board-render .note-group h3', first.slice(0, 20)));
  await card(console_, offline).locator('summary').click();
  await card(console_, offline).locator('button[data-act="hide"]').click();
  step('a hidden note leaves the phone', await phone.locator('#board-render .note-text', { hasText: offline })
    .waitFor({ state: 'detached', timeout: 5000 }).then(() => true, () => false));
  step('and stays on the console, marked hidden', await card(console_, offline).and(console_.locator('.note-hidden'))
    .waitFor({ timeout: 5000 }).then(() => true, () => false));
  await audit(console_, 'console, grouped and moderated', 1280);
  await audit(page, 'projector, grouped and voted', 1280);
  step('no console or CSP errors on the three screens', errors.length === 0, { errors: [...errors] });
  await phoneContext.close();
  return { steps, reachedMs };
}

// --- first visits: cookies, requests and weight ---------------------------
// {"flow": "first-visit", "visits": [{"name", "paths": [...], "login": {email, password} | absent}]}
// Each visit runs in a new, empty browser context at phone size (no cache,
// no cookie: a first visit; with "login", only the session cookie of a log-in
// made in another context is carried over). Every request the context makes
// is intercepted: one to another host is recorded and never let out. Returns
// per visit the requests (url, type, status, bytes transferred, foreign) and
// the cookies the context holds at the end.
async function runFirstVisit(job, page, errors, context) {
  const browser = context.browser();
  const base = new URL(job.base);
  const visits = [];
  for (const visit of job.visits) {
    let storageState;
    if (visit.login) {
      const before = await browser.newContext({ locale: 'fr-FR' });
      const login = await logIn(await before.newPage(), job.base, visit.login);
      if (!login.ok) throw new Error(`could not log in as ${visit.login.email}`);
      storageState = await before.storageState();
      await before.close();
    }
    const ctx = await browser.newContext({ locale: 'fr-FR', viewport: PHONE, storageState });
    const seen = [];
    await ctx.route('**/*', (route) => {
      const url = new URL(route.request().url());
      const foreign = url.origin !== base.origin;
      seen.push({ request: route.request(), foreign });
      return foreign ? route.abort('blockedbyclient') : route.continue();
    });
    const p = await ctx.newPage();
    const statuses = [];
    for (const path of visit.paths) {
      const response = await p.goto(job.base + path, { waitUntil: 'networkidle' });
      statuses.push({ path, status: response ? response.status() : null });
    }
    const requests = [];
    for (const { request, foreign } of seen) {
      const response = foreign ? null : await request.response().catch(() => null);
      const sizes = response ? await request.sizes().catch(() => null) : null;
      requests.push({
        url: request.url(), type: request.resourceType(), foreign,
        status: response ? response.status() : null,
        bytes: sizes ? sizes.responseBodySize + sizes.responseHeadersSize : 0,
      });
    }
    const cookies = (await ctx.cookies()).map((c) => ({
      name: c.name, domain: c.domain, httpOnly: c.httpOnly, sameSite: c.sameSite, expires: c.expires,
    }));
    visits.push({ name: visit.name, statuses, requests, cookies });
    await ctx.close();
  }
  return { visits };
}

const FLOWS = {
  script: runScript,
  board: runBoardFlow,
  'first-visit': runFirstVisit,
  language: runLanguageFlow,
  'contribution-resident': runContributionResident,
  'contribution-draft': runContributionDraft,
  'contribution-referent': runContributionReferent,
};

async function main() {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  const { browser, context, page, errors } = await launch();
  try {
    if (job.flow && !FLOWS[job.flow]) throw new Error(`unknown flow: ${job.flow}`);
    if (job.flow && (job.flow.startsWith('contribution-') || job.flow === 'script')) await page.setViewportSize(PHONE);
    const result = job.flow
      ? await FLOWS[job.flow](job, page, errors, context)
      : await runPages(job, page, errors);
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
