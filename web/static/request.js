// "Generate the key here" on /request: WebCrypto makes an ECDSA P-256 key
// pair, this file builds and signs the PKCS#10 request (RFC 2986) with its
// own small DER writer, offers the private key as a PKCS#8 PEM download and
// sends only the request to the API with the token. The private key never
// leaves the page. Text from the server is only ever set as textContent.
'use strict';

(function () {
	// ---- DER (X.690), just what a CSR needs ----------------------------

	function bytes(arr) { return new Uint8Array(arr); }

	function concat(parts) {
		var n = 0;
		parts.forEach(function (p) { n += p.length; });
		var out = new Uint8Array(n), off = 0;
		parts.forEach(function (p) { out.set(p, off); off += p.length; });
		return out;
	}

	function tlv(tag, content) {
		var n = content.length, len;
		if (n < 0x80) {
			len = [n];
		} else {
			len = [];
			for (var k = n; k > 0; k = Math.floor(k / 256)) len.unshift(k & 0xff);
			len.unshift(0x80 | len.length);
		}
		return concat([bytes([tag]), bytes(len), content]);
	}

	function seq() { return tlv(0x30, concat(Array.prototype.slice.call(arguments))); }
	function set() { return tlv(0x31, concat(Array.prototype.slice.call(arguments))); }
	function utf8(s) { return tlv(0x0c, new TextEncoder().encode(s)); }
	function octets(b) { return tlv(0x04, b); }
	function bitString(b) { return tlv(0x03, concat([bytes([0]), b])); }

	// A non-negative INTEGER from big-endian magnitude bytes: minimal, with
	// a 0x00 in front when the top bit is set.
	function uint(b) {
		var i = 0;
		while (i < b.length - 1 && b[i] === 0) i++;
		b = b.slice(i);
		if (b[0] & 0x80) b = concat([bytes([0]), b]);
		return tlv(0x02, b);
	}

	function oid(dotted) {
		var arcs = dotted.split('.').map(Number);
		var out = [40 * arcs[0] + arcs[1]];
		arcs.slice(2).forEach(function (a) {
			var enc = [a & 0x7f];
			for (a = Math.floor(a / 128); a > 0; a = Math.floor(a / 128)) enc.unshift(0x80 | (a & 0x7f));
			out = out.concat(enc);
		});
		return tlv(0x06, bytes(out));
	}

	var OID_CN = '2.5.4.3';
	var OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
	var OID_SAN = '2.5.29.17';
	var OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';

	// ---- names -----------------------------------------------------------

	function ipv4(s) {
		var m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
		if (!m) return null;
		var b = m.slice(1).map(Number);
		return b.every(function (x) { return x <= 255; }) ? bytes(b) : null;
	}

	function ipv6(s) {
		if (s.indexOf(':') < 0 || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
		var halves = s.split('::');
		if (halves.length > 2) return null;
		function groups(part) {
			if (part === '') return [];
			var out = [];
			var items = part.split(':');
			for (var i = 0; i < items.length; i++) {
				var g = items[i];
				if (i === items.length - 1 && g.indexOf('.') >= 0) {
					var v4 = ipv4(g);
					if (!v4) return null;
					out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
				} else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
					out.push(parseInt(g, 16));
				} else {
					return null;
				}
			}
			return out;
		}
		var head = groups(halves[0]), tail = halves.length === 2 ? groups(halves[1]) : [];
		if (!head || !tail) return null;
		var fill = 8 - head.length - tail.length;
		if ((halves.length === 1 && fill !== 0) || (halves.length === 2 && fill < 1)) return null;
		var all = head.concat(new Array(halves.length === 2 ? fill : 0).fill(0), tail);
		var out = new Uint8Array(16);
		all.forEach(function (g, i) { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
		return out;
	}

	// GeneralName: dNSName [2] IA5String, iPAddress [7] OCTET STRING.
	function generalName(name) {
		var ip = ipv4(name) || ipv6(name);
		if (ip) return tlv(0x87, ip);
		return tlv(0x82, new TextEncoder().encode(name.toLowerCase()));
	}

	// ---- the request -----------------------------------------------------

	// IEEE P1363 r||s (what WebCrypto returns) to Ecdsa-Sig-Value DER.
	function ecdsaSigToDer(raw) {
		var half = raw.length / 2;
		return seq(uint(raw.slice(0, half)), uint(raw.slice(half)));
	}

	function pem(label, der) {
		var bin = '';
		for (var i = 0; i < der.length; i++) bin += String.fromCharCode(der[i]);
		var b64 = btoa(bin).replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
		return '-----BEGIN ' + label + '-----\n' + b64 + '\n-----END ' + label + '-----\n';
	}

	async function makeRequest(names) {
		var subtle = window.crypto.subtle;
		var pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
		var spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
		var pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));

		var subject = seq(set(seq(oid(OID_CN), utf8(names[0]))));
		var san = seq.apply(null, names.map(generalName));
		var extensions = seq(seq(oid(OID_SAN), octets(san)));
		var attributes = tlv(0xa0, seq(oid(OID_EXTENSION_REQUEST), set(extensions)));
		var info = seq(uint(bytes([0])), subject, spki, attributes);
		var raw = new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, info));
		var csr = seq(info, seq(oid(OID_ECDSA_SHA256)), bitString(ecdsaSigToDer(raw)));
		return { csr: pem('CERTIFICATE REQUEST', csr), key: pem('PRIVATE KEY', pkcs8) };
	}

	// ---- the page ----------------------------------------------------------

	function $(id) { return document.getElementById(id); }

	function say(kind, title, detail, link) {
		var box = $('kg-status');
		box.textContent = '';
		var div = document.createElement('div');
		div.className = kind === 'error' ? 'alert bad' : kind === 'ok' ? 'alert ok' : 'hint';
		if (kind === 'error') div.setAttribute('role', 'alert');
		var strong = document.createElement('strong');
		strong.textContent = title;
		div.appendChild(strong);
		if (detail) {
			var p = document.createElement('p');
			p.textContent = detail;
			div.appendChild(p);
		}
		if (link) {
			var p2 = document.createElement('p');
			var a = document.createElement('a');
			a.href = link.href;
			a.textContent = link.text;
			a.id = 'kg-cert';
			p2.appendChild(a);
			div.appendChild(p2);
		}
		box.appendChild(div);
	}

	var keyUrl = null;

	function offerKey(keyPem, firstName) {
		if (keyUrl) URL.revokeObjectURL(keyUrl);
		keyUrl = URL.createObjectURL(new Blob([keyPem], { type: 'application/x-pem-file' }));
		var a = $('kg-download');
		a.href = keyUrl;
		a.download = firstName.replace(/[^A-Za-z0-9._-]/g, '_') + '.key.pem';
		$('kg-key').hidden = false;
		a.click(); // the one chance to keep it: save right away, link stays for a second copy
	}

	async function run() {
		var button = $('kg-go');
		var names = $('kg-names').value.split(/[\s,]+/).filter(function (s) { return s.length > 0; });
		var token = $('token').value.trim();
		if (names.length === 0) {
			say('error', 'Give at least one name', 'Type the DNS names or IP addresses the certificate is for.');
			$('kg-names').focus();
			return;
		}
		if (!token) {
			say('error', 'A token is needed', 'Type your team\'s token in the Token field above.');
			$('token').focus();
			return;
		}
		if (!window.isSecureContext || !window.crypto || !window.crypto.subtle) {
			say('error', 'Key generation needs HTTPS',
				'Browsers only offer WebCrypto on https:// pages (or on localhost). Open this page over HTTPS.');
			return;
		}
		button.disabled = true;
		say('info', 'Generating the key and the request\u2026');
		try {
			var made = await makeRequest(names);
			var body = { csr: made.csr, profile: $('profile').value };
			var days = parseInt($('days').value, 10);
			if (days > 0) body.validity_days = days;
			var resp = await fetch('/api/v1/certificates', {
				method: 'POST',
				headers: {
					'Content-Type': 'application/json',
					'Accept': 'application/json',
					'Authorization': 'Bearer ' + token
				},
				body: JSON.stringify(body),
				credentials: 'omit',
				cache: 'no-store'
			});
			var json = null;
			try { json = await resp.json(); } catch (e) { json = null; }
			if (resp.status !== 201 || !json || !json.serial) {
				var title = (json && json.title) || ('The request was refused (HTTP ' + resp.status + ')');
				var detail = (json && json.detail) || '';
				say('error', title, detail);
				return;
			}
			offerKey(made.key, names[0]);
			say('ok', 'Certificate issued',
				'Your private key was offered as a download: keep it safe, it is not stored anywhere else.',
				{ href: '/certs/' + encodeURIComponent(json.serial), text: 'Open the certificate ' + json.serial });
		} catch (e) {
			say('error', 'Could not make the request', String(e && e.message ? e.message : e));
		} finally {
			button.disabled = false;
		}
	}

	function init() {
		var section = $('keygen');
		if (!section) return;
		section.hidden = false;
		$('kg-go').addEventListener('click', function () { run(); });
		$('kg-names').addEventListener('keydown', function (ev) {
			if (ev.key === 'Enter') { ev.preventDefault(); run(); }
		});
	}

	if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
	else init();
})();
