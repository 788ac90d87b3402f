// Browser tests of the HTML pages (issue 5), run by tests/integration/pages.sh
// against a real `privca serve` it has filled through the API.
//
// Environment: PRIVCA_BASE (http://127.0.0.1:PORT), PRIVCA_TEAM and
// PRIVCA_ADMIN (tokens), PRIVCA_EVIL (serial of the certificate with a
// hostile subject), PRIVCA_SOON (serial valid for 10 days), PRIVCA_WORK (a
// scratch directory holding form.csr and upload.csr), PRIVCA_SHOTS (where
// screenshots go).
//
// Debian's chromium through playwright-core: no browser is ever downloaded.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
	const v = process.env[name];
	if (!v) throw new Error(`${name} is not set (run tests/integration/pages.sh)`);
	return v;
};
const BASE = env('PRIVCA_BASE');
const TEAM = env('PRIVCA_TEAM');
const ADMIN = env('PRIVCA_ADMIN');
const EVIL = env('PRIVCA_EVIL');
const SOON = env('PRIVCA_SOON');
const WORK = env('PRIVCA_WORK');
const SHOTS = env('PRIVCA_SHOTS');

let passed = 0;
let failed = 0;
const ok = (what) => { passed++; console.error(`ok   ${what}`); };
const bad = (what) => { failed++; console.error(`FAIL ${what}`); };
const check = (what, cond, detail = '') => (cond ? ok(what) : bad(detail ? `${what}: ${detail}` : what));
async function step(what, fn) {
	try {
		await fn();
	} catch (e) {
		bad(`${what}: ${e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e}`);
	}
}

const api = async (path, opts = {}) => {
	const r = await fetch(BASE + path, opts);
	if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
	return r;
};
const apiJson = async (path) => (await api(path)).json();
const apiBytes = async (path) => Buffer.from(await (await api(path)).arrayBuffer());

// Every serial the API lists for a query, walking its cursors.
async function apiSerials(query) {
	const out = [];
	let cursor = null;
	for (;;) {
		const q = new URLSearchParams(query);
		q.set('limit', '500');
		if (cursor) q.set('cursor', cursor);
		const d = await apiJson('/api/v1/certificates?' + q);
		out.push(...d.items.map((i) => i.serial));
		if (!d.next_cursor) return out;
		cursor = d.next_cursor;
	}
}

// RFC 4180 reader (quoted cells with "" and line breaks).
function parseCsv(text) {
	const rows = [];
	let row = [], cell = '', q = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (q) {
			if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
			else if (c === '"') q = false;
			else cell += c;
		} else if (c === '"') q = true;
		else if (c === ',') { row.push(cell); cell = ''; }
		else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
		else cell += c;
	}
	if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
	return rows;
}

const openssl = (args, input) => execFileSync('openssl', args, { input, env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
const pubkeyOfCert = (pem) => openssl(['x509', '-noout', '-pubkey'], pem).toString();
const pubkeyOfKey = (path) => openssl(['pkey', '-in', path, '-pubout']).toString();

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
		'--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
});

// A page that records console errors, uncaught errors, dialogs and requests
// that left the origin.
async function newPage(opts = {}) {
	const ctx = await browser.newContext({ acceptDownloads: true, ...opts });
	const page = await ctx.newPage();
	page.setDefaultTimeout(15000);
	const log = { errors: [], dialogs: [], foreign: [] };
	page.on('console', (m) => { if (m.type() === 'error') log.errors.push(m.text()); });
	page.on('pageerror', (e) => log.errors.push(String(e)));
	page.on('dialog', (d) => { log.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
	page.on('request', (r) => { if (!r.url().startsWith(BASE) && !r.url().startsWith('blob:')) log.foreign.push(r.url()); });
	return { ctx, page, log };
}

// Load path, check 200 + CSP + nothing broken; returns the page.
async function visit(p, path, what = path) {
	const resp = await p.page.goto(BASE + path);
	check(`${what}: status 200`, resp.status() === 200, `got ${resp.status()}`);
	const csp = resp.headers()['content-security-policy'] || '';
	check(`${what}: CSP header`, csp.includes("default-src 'self'") && csp.includes("frame-ancestors 'none'"), csp);
	await p.page.waitForLoadState('load');
	return resp;
}

function clean(p, what) {
	check(`${what}: no console errors`, p.log.errors.length === 0, p.log.errors.join(' | '));
	check(`${what}: no dialog`, p.log.dialogs.length === 0, p.log.dialogs.join(' | '));
	check(`${what}: nothing loaded from elsewhere`, p.log.foreign.length === 0, p.log.foreign.join(' '));
}

// Serials on the current /certs page, in order.
const pageSerials = (page) => page.$$eval('table.certs td.name .serial', (els) => els.map((e) => e.textContent.trim()));

const evil = await apiJson('/api/v1/certificates/' + EVIL);

// ---- every page: 200, CSP, no console error ----------------------------------------
await step('pages load', async () => {
	const p = await newPage();
	for (const path of ['/', '/certs', '/certs?status=valid&sort=expires', `/certs/${EVIL}`, '/request']) {
		await visit(p, path);
	}
	clean(p, 'every page');
	await p.ctx.close();
});

// ---- search by SAN and by serial ------------------------------------------------------
await step('search', async () => {
	const p = await newPage();
	await visit(p, '/');
	await p.page.fill('#home-q', 'api7.team-a.internal');
	await Promise.all([p.page.waitForURL(/\/certs\?q=/), p.page.press('#home-q', 'Enter')]);
	const want = await apiSerials({ q: 'api7.team-a.internal' });
	const got = await pageSerials(p.page);
	check('search by SAN from the overview finds the certificate', got.length === 1 && got[0] === want[0],
		`${got} vs ${want}`);

	await visit(p, '/certs');
	await p.page.fill('#q', EVIL);
	await Promise.all([p.page.waitForURL(/q=/), p.page.click('form.filters button[type=submit]')]);
	const bySerial = await pageSerials(p.page);
	check('search by serial finds exactly it', bySerial.length === 1 && bySerial[0] === EVIL, `${bySerial}`);

	// Two clicks from the overview to a team's certificate: search, then the link.
	await Promise.all([p.page.waitForURL(new RegExp(`/certs/${EVIL}$`)), p.page.click('a.cert-link')]);
	ok('a search result opens the certificate page');
	clean(p, 'search');
	await p.ctx.close();
});

// ---- filters and paging: every certificate once, forwards and back -----------------------
const filters = [
	{ name: 'all', q: {}, api: {} },
	{ name: 'valid', q: { status: 'valid' }, api: { status: 'valid' } },
	{ name: 'revoked', q: { status: 'revoked' }, api: { status: 'revoked' } },
	{ name: 'sorted by expiry', q: { sort: 'expires' }, api: { sort: 'expires' } },
	{ name: 'search team-a', q: { q: 'team-a' }, api: { q: 'team-a' } },
	{ name: 'expiring within 30 days', q: { within: '30' }, api: null },
];
for (const f of filters) {
	await step(`paging ${f.name}`, async () => {
		const p = await newPage();
		const qs = new URLSearchParams({ ...f.q, limit: '4' });
		await visit(p, '/certs?' + qs, `/certs ${f.name}`);
		const pages = [];
		for (let n = 0; n < 100; n++) {
			pages.push(await pageSerials(p.page));
			const next = await p.page.$('a[rel=next]');
			if (!next) break;
			await Promise.all([p.page.waitForURL(/cursor=/), next.click()]);
		}
		const seen = pages.flat();
		check(`${f.name}: no duplicates over ${pages.length} pages`, new Set(seen).size === seen.length);
		check(`${f.name}: pages of at most 4`, pages.every((pg) => pg.length <= 4));
		if (f.api) {
			const want = await apiSerials(f.api);
			check(`${f.name}: the pages walk exactly the API's list, in order (${want.length})`,
				JSON.stringify(seen) === JSON.stringify(want), `${seen.length} vs ${want.length}`);
		} else {
			check(`${f.name}: holds the 10-day certificate`, seen.includes(SOON));
			const all = await apiJson('/api/v1/certificates?limit=500');
			const far = all.items.filter((i) => Date.parse(i.not_after) - Date.now() > 31 * 86400e3).map((i) => i.serial);
			check(`${f.name}: holds none expiring later`, !seen.some((s) => far.includes(s)));
		}
		// And back: Previous shows the same pages in reverse.
		for (let i = pages.length - 2; i >= 0; i--) {
			const prev = await p.page.$('a[rel=prev]');
			if (!prev) { bad(`${f.name}: no Previous link on page ${i + 2}`); break; }
			await Promise.all([p.page.waitForNavigation(), prev.click()]);
			const again = await pageSerials(p.page);
			if (JSON.stringify(again) !== JSON.stringify(pages[i])) { bad(`${f.name}: Previous to page ${i + 1} differs`); break; }
			if (i === 0) ok(`${f.name}: Previous walks back to page 1 with the same rows`);
		}
		if (pages.length === 1) ok(`${f.name}: one page, nothing to walk back`);

		// CSV of the same query: same rows.
		const csvPath = '/certs.csv?' + new URLSearchParams(f.q);
		const dl = await p.page.evaluate(async (u) => (await fetch(u)).text(), csvPath);
		const rows = parseCsv(dl);
		const col = rows[0].indexOf('serial');
		const csvSerials = rows.slice(1).map((r) => r[col]);
		check(`${f.name}: CSV has the same rows`, JSON.stringify(csvSerials) === JSON.stringify(seen),
			`${csvSerials.length} vs ${seen.length}`);
		clean(p, `paging ${f.name}`);
		await p.ctx.close();
	});
}

await step('CSV link downloads the same query', async () => {
	const p = await newPage();
	await visit(p, '/certs?status=revoked');
	const [d] = await Promise.all([p.page.waitForEvent('download'), p.page.click('a[href^="/certs.csv"]')]);
	const path = join(WORK, 'dl.csv');
	await d.saveAs(path);
	const rows = parseCsv(readFileSync(path, 'utf8'));
	const want = await apiSerials({ status: 'revoked' });
	check('Export CSV link: revoked rows only', rows.length - 1 === want.length, `${rows.length - 1} vs ${want.length}`);
	await p.ctx.close();
});

// ---- detail: PEM and downloads equal the API ---------------------------------------------
await step('detail page', async () => {
	const p = await newPage();
	await visit(p, `/certs/${EVIL}`);
	const pem = await p.page.textContent('#pem');
	check('detail PEM equals the API certificate', pem === evil.certificate);
	const text = await p.page.textContent('main');
	for (const [label, value] of [['serial hex', EVIL], ['SHA-256', evil.fingerprint_sha256.toUpperCase().match(/../g).join(':')],
		['serial decimal', BigInt('0x' + EVIL).toString()], ['SHA-1', openssl(['x509', '-noout', '-fingerprint', '-sha1'], pem).toString().trim().split('=')[1]]]) {
		check(`detail shows ${label}`, text.includes(value), value);
	}
	check('detail shows the key type', text.includes('ECDSA P-256, 256 bits'));
	check('detail lists extensions', (await p.page.$$('table.exts tbody tr')).length >= 6);

	const downloads = [
		['.pem', async () => apiBytes(`/certs/${EVIL}.pem`)],
		['.crt', async () => apiBytes(`/certs/${EVIL}.crt`)],
		['?download=chain', async () => Buffer.concat([await apiBytes(`/certs/${EVIL}.pem`), await apiBytes('/ca.pem')])],
	];
	for (const [suffix, want] of downloads) {
		const [d] = await Promise.all([p.page.waitForEvent('download'), p.page.click(`.downloads a[href="/certs/${EVIL}${suffix}"]`)]);
		const path = join(WORK, 'dl' + suffix.replace(/\W/g, '_'));
		await d.saveAs(path);
		check(`download ${suffix} is byte-equal to the API`, readFileSync(path).equals(await want()));
	}
	const [d] = await Promise.all([p.page.waitForEvent('download'), p.page.click(`.downloads a[href="/certs/${EVIL}.p7b"]`)]);
	const p7 = join(WORK, 'dl.p7b');
	await d.saveAs(p7);
	const certs = openssl(['pkcs7', '-inform', 'DER', '-in', p7, '-print_certs']).toString();
	check('download .p7b holds the leaf and the root', certs.includes(evil.certificate.trim().split('\n')[1]) &&
		(certs.match(/BEGIN CERTIFICATE/g) || []).length === 2);

	await visit(p, '/');
	for (const [href, path] of [['/ca.pem', '/ca.pem'], ['/ca.crt', '/ca.crt'], ['/ca.p7b', '/ca.p7b']]) {
		const [dd] = await Promise.all([p.page.waitForEvent('download'), p.page.click(`.downloads a[href="${href}"]`)]);
		const f = join(WORK, 'root' + href.replace(/\W/g, '_'));
		await dd.saveAs(f);
		check(`overview download ${href} is byte-equal`, readFileSync(f).equals(await apiBytes(path)));
	}
	const copy = await p.page.$('button.copy[data-copy=fp-sha256]');
	check('copy buttons appear with JavaScript', copy && (await copy.isVisible()));
	clean(p, 'detail and downloads');
	await p.ctx.close();
});

// ---- the hostile subject: text on every page, no dialog, no element ------------------------
await step('hostile subject', async () => {
	const p = await newPage();
	await p.page.addInitScript(() => {
		window.__alerts = 0;
		window.alert = () => { window.__alerts++; };
	});
	for (const path of ['/', '/certs', '/certs?q=evil', `/certs/${EVIL}`, '/certs?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E']) {
		await visit(p, path);
		const r = await p.page.evaluate(() => ({
			imgs: document.querySelectorAll('img').length,
			onerror: document.querySelectorAll('[onerror]').length,
			scripts: [...document.scripts].filter((s) => !s.src || !new URL(s.src).pathname.startsWith('/static/')).length,
			alerts: window.__alerts,
			text: document.body.innerText,
		}));
		check(`${path}: no img, no onerror, no foreign script`, r.imgs === 0 && r.onerror === 0 && r.scripts === 0, JSON.stringify(r).slice(0, 200));
		check(`${path}: no alert ran`, r.alerts === 0);
		if (!path.includes('%3Cimg')) {
			check(`${path}: the subject shows as text`, r.text.replace(/\s+/g, ' ').includes(evil.subject.replace(/\s+/g, ' ')));
		}
	}
	clean(p, 'hostile subject');
	await p.ctx.close();
});

// ---- the enrollment form ----------------------------------------------------------------------
await step('request form', async () => {
	const p = await newPage();
	await visit(p, '/request');
	await p.page.fill('#token', TEAM);
	await p.page.fill('#csr', readFileSync(join(WORK, 'form.csr'), 'utf8'));
	await p.page.selectOption('#profile', 'peer');
	await p.page.fill('#days', '90');
	const [resp] = await Promise.all([p.page.waitForNavigation(), p.page.click('#request-form button[type=submit]')]);
	const m = /\/certs\/([0-9a-f]{32})\?done=issued$/.exec(p.page.url());
	check('pasted CSR + token issues and shows the certificate page', resp.status() === 200 && m, p.page.url());
	if (m) {
		const c = await apiJson('/api/v1/certificates/' + m[1]);
		check('issued with the form\'s names, profile and days',
			c.dns_names.includes('form.team-a.internal') && c.ip_addresses.includes('10.0.2.1') && c.profile === 'peer' &&
			Math.round((Date.parse(c.not_after) - Date.parse(c.not_before)) / 86400e3) === 90, JSON.stringify(c).slice(0, 300));
		check('the notice says issued', (await p.page.textContent('#notice')).includes('issued'));
	}

	await visit(p, '/request');
	await p.page.fill('#token', TEAM);
	await p.page.setInputFiles('#csrfile', join(WORK, 'upload.csr'));
	await Promise.all([p.page.waitForNavigation(), p.page.click('#request-form button[type=submit]')]);
	check('uploaded CSR file issues', /\/certs\/[0-9a-f]{32}\?done=issued$/.test(p.page.url()), p.page.url());

	await visit(p, '/request');
	await p.page.fill('#token', 'wrong-token-0123456789');
	await p.page.fill('#csr', readFileSync(join(WORK, 'form.csr'), 'utf8'));
	const [r2] = await Promise.all([p.page.waitForNavigation(), p.page.click('#request-form button[type=submit]')]);
	const refusal = await p.page.textContent('#refusal');
	check('wrong token: 401 with the refusal in words', r2.status() === 401 && /token/i.test(refusal), `${r2.status()} ${refusal}`);
	check('wrong token: the CSR is kept in the form', (await p.page.inputValue('#csr')).includes('BEGIN CERTIFICATE REQUEST'));
	// A refused page logs the 401 of its own navigation as a console error; that is the test's doing.
	p.log.errors = p.log.errors.filter((e) => !/status of 401/.test(e));
	clean(p, 'request form');
	await p.ctx.close();
});

// ---- in-browser key generation -------------------------------------------------------------------
await step('key generation', async () => {
	const p = await newPage();
	await visit(p, '/request');
	check('key generation is offered when JavaScript runs', await p.page.isVisible('#keygen'));
	await p.page.fill('#token', TEAM);
	await p.page.fill('#kg-names', 'kg.team-a.internal, 10.0.3.7');
	const sent = [];
	p.page.on('request', (r) => { if (r.method() === 'POST') sent.push(r.postData() || ''); });
	const [d] = await Promise.all([p.page.waitForEvent('download', { timeout: 30000 }), p.page.click('#kg-go')]);
	const keyPath = join(WORK, 'kg.key');
	await d.saveAs(keyPath);
	await p.page.waitForSelector('#kg-cert');
	const serial = /([0-9a-f]{32})$/.exec(await p.page.getAttribute('#kg-cert', 'href'))[1];
	const c = await apiJson('/api/v1/certificates/' + serial);
	check('keygen: certificate public key equals the downloaded key\'s (openssl)',
		pubkeyOfCert(c.certificate) === pubkeyOfKey(keyPath));
	check('keygen: names from the form', c.dns_names.includes('kg.team-a.internal') && c.ip_addresses.includes('10.0.3.7'));
	const keyPem = readFileSync(keyPath, 'utf8');
	check('keygen: the key is PKCS#8 PEM', keyPem.startsWith('-----BEGIN PRIVATE KEY-----'));
	const keyB64 = keyPem.split('\n').slice(1, -2).join('');
	check('keygen: the private key was never sent', sent.length === 1 && !sent.some((b) => b.includes(keyB64.slice(0, 40))));

	await p.page.fill('#token', 'wrong-token-0123456789');
	await p.page.click('#kg-go');
	await p.page.waitForSelector('#kg-status .alert.bad');
	const msg = await p.page.textContent('#kg-status');
	check('keygen with a wrong token shows the refusal text', /token/i.test(msg), msg);
	p.log.errors = p.log.errors.filter((e) => !/status of 401/.test(e));
	clean(p, 'key generation');
	await p.ctx.close();
});

// ---- revoke from the detail page --------------------------------------------------------------------
await step('revoke form', async () => {
	const p = await newPage();
	await visit(p, `/certs/${SOON}`);
	await p.page.fill('#revoke-token', ADMIN);
	await p.page.selectOption('#revoke-reason', 'cessationOfOperation');
	await Promise.all([p.page.waitForNavigation(), p.page.click('form.inline-form button[type=submit]')]);
	const c = await apiJson('/api/v1/certificates/' + SOON);
	check('revoke form revokes with the reason', c.status === 'revoked' && c.revocation_reason === 'cessationOfOperation');
	check('the page says revoked', (await p.page.textContent('.title-row .badge')).includes('Revoked'));
	clean(p, 'revoke form');
	await p.ctx.close();
});

// ---- keyboard and screenshots -------------------------------------------------------------------------
await step('keyboard', async () => {
	const p = await newPage();
	await visit(p, '/request');
	const seen = [];
	for (let i = 0; i < 12; i++) {
		await p.page.keyboard.press('Tab');
		seen.push(await p.page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.textContent.trim())));
	}
	check('the token field is reachable by keyboard', seen.includes('token'), seen.join(','));
	const unlabelled = await p.page.$$eval('input:not([type=hidden]), select, textarea',
		(els) => els.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.id || e.name));
	check('every form field has a label', unlabelled.length === 0, unlabelled.join(','));
	await p.ctx.close();
});

await step('screenshots', async () => {
	const shots = [['overview', '/'], ['certs', '/certs'], ['cert', `/certs/${EVIL}`], ['request', '/request']];
	let n = 0;
	for (const scheme of ['light', 'dark']) {
		for (const [size, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
			const p = await newPage({ viewport, colorScheme: scheme, isMobile: size === 'phone', hasTouch: size === 'phone' });
			for (const [name, path] of shots) {
				await p.page.goto(BASE + path);
				await p.page.screenshot({ path: join(SHOTS, `${name}-${size}-${scheme}.png`), fullPage: true });
				n++;
				if (size === 'phone') {
					const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
					check(`${name} ${scheme}: fits a phone's width`, overflow <= 0, `${overflow}px wider`);
				}
			}
			clean(p, `screenshots ${size} ${scheme}`);
			await p.ctx.close();
		}
	}
	writeFileSync(join(SHOTS, 'README.txt'), `Screenshots of the privca pages, ${new Date().toISOString()}\n`);
	check(`${n} screenshots written to ${SHOTS}`, n === 16);
});

await browser.close();
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
