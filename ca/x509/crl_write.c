/*
 * The code in this file implements crl_build (crl.h): an X.509 v2
 * CertificateList encoded with the project's DER writer (wolfSSL 5.5.4 has
 * no CRL encoder) and signed in place with signer_signature.
 *
 * Speed: a CRL of n entries is one pass over the entries into a buffer
 * sized up front, so nothing is reallocated while entries are written, and
 * it is signed where it was written. The revokedCertificates SEQUENCE, the
 * TBSCertList and the CertificateList around it are opened with room for
 * the length their entries' estimated size needs (der_begin_hint), so the
 * 40 MB of a million entries are not moved to make room for a length
 * (only when an estimate crosses a length octet boundary).
 */
#include "errors.h"
#include "x509/crl.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "x509/der.h"
#include "x509/ext.h"
#include "x509/oid.h"

/*
 * Upper bound of one encoded CRLEntry: SEQUENCE header 2, INTEGER 2 + 21,
 * GeneralizedTime 2 + 15, Extensions with reasonCode 14. Its content stays
 * below 128 bytes, so every entry's length is one byte and der_end never
 * moves it.
 */
#define ENTRY_MAX 56

/* About how many bytes write_entry writes for e (its length octets are
 * what counts: see the file comment). */
static size_t entry_estimate(const struct crl_entry *e)
{
	return 2 + 3 + e->serial_len + 15 + (e->reason != CA_REASON_UNSPECIFIED ? 14 : 0);
}

/* 9999-12-31T23:59:59Z, the last time GeneralizedTime can say. */
#define TIME_MAX INT64_C(253402300799)

static bool time_ok(int64_t t)
{
	return t >= 0 && t <= TIME_MAX;
}

/* True if p holds exactly one SEQUENCE TLV. */
static bool is_name(const uint8_t *p, size_t n)
{
	struct der_r r = {p, n};
	struct der_elem e;
	return p != NULL && der_expect(&r, DER_SEQUENCE, &e) && r.len == 0;
}

static bool serial_ok(const struct crl_entry *e)
{
	if (e->serial_len == 0 || e->serial_len > CRL_SERIAL_MAX)
		return false;
	for (size_t i = 0; i < e->serial_len; i++)
		if (e->serial[i] != 0)
			return true;
	return false; /* RFC 5280 4.1.2.2: a positive integer */
}

/* An IA5String URI we write: printable ASCII, bounded. */
static bool url_ok(const char *u)
{
	size_t n = strlen(u);
	if (n == 0 || n > 1024)
		return false;
	for (size_t i = 0; i < n; i++)
		if (u[i] <= 0x20 || u[i] >= 0x7f)
			return false;
	return true;
}

static enum ca_err check(const struct crl_params *p, struct ca_error *err)
{
	if (!is_name(p->issuer, p->issuer_len))
		return ca_fail(err, CA_ERR_BAD_REQUEST, "CRL issuer is not a DER Name");
	if (p->ski == NULL || p->ski_len == 0 || p->ski_len > 64)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "CRL authority key identifier must be 1..64 bytes, not %zu",
			       p->ski_len);
	if (!time_ok(p->this_update) || !time_ok(p->next_update) ||
	    p->next_update <= p->this_update)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "CRL thisUpdate %lld / nextUpdate %lld: both must lie in "
			       "1970..9999 and nextUpdate must come later",
			       (long long)p->this_update, (long long)p->next_update);
	if (p->delta_base != 0 && (p->delta_base >= p->number || p->freshest_url != NULL))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "delta CRL %llu: its base %llu must come before it, and a delta "
			       "names no freshest CRL",
			       (unsigned long long)p->number, (unsigned long long)p->delta_base);
	if (p->freshest_url != NULL && !url_ok(p->freshest_url))
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "freshest CRL URL must be 1..1024 printable ASCII characters");
	if (p->n > 0 && p->entries == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "CRL has %zu entries but no array", p->n);
	if (p->n > (DER_MAX_LEN - 4096 - p->issuer_len) / ENTRY_MAX)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "CRL of %zu entries is too large", p->n);
	for (size_t i = 0; i < p->n; i++) {
		const struct crl_entry *e = &p->entries[i];
		if (!serial_ok(e))
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "CRL entry %zu: serial must be 1..%d bytes and not zero", i,
				       CRL_SERIAL_MAX);
		if (ca_reason_name(e->reason) == NULL)
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "CRL entry %zu: unknown reason code %d", i, (int)e->reason);
		if (!time_ok(e->revoked_at))
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "CRL entry %zu: revocation time %lld out of range", i,
				       (long long)e->revoked_at);
	}
	return CA_OK;
}

/* RFC 5280 5.1.2.6 and 5.3.1. */
static void write_entry(struct der_w *w, const struct crl_entry *e)
{
	size_t seq = der_begin(w, DER_SEQUENCE);
	der_uint_bytes(w, DER_INTEGER, e->serial, e->serial_len);
	der_time(w, e->revoked_at);
	if (e->reason != CA_REASON_UNSPECIFIED) {
		/* RFC 5280 5.3.1: omit reasonCode rather than write unspecified. */
		uint8_t r = (uint8_t)e->reason;
		size_t exts = der_begin(w, DER_SEQUENCE);
		size_t val, ext = EXT_BEGIN(w, OID_CE_REASON_CODE, false, &val);
		der_tlv(w, DER_ENUMERATED, &r, 1);
		ext_end(w, ext, val);
		der_end(w, exts);
	}
	der_end(w, seq);
}

/* crlExtensions [0]: AKI, cRLNumber, then deltaCRLIndicator (RFC 5280
 * 5.2.4, critical) or freshestCRL (5.2.6). */
static void write_exts(struct der_w *w, const struct crl_params *p)
{
	size_t ctx = der_begin(w, DER_CTX_CONS(0));
	size_t exts = der_begin(w, DER_SEQUENCE);
	size_t val, ext = EXT_BEGIN(w, OID_CE_AKI, false, &val);
	size_t aki = der_begin(w, DER_SEQUENCE);
	der_tlv(w, DER_CTX(0), p->ski, p->ski_len); /* keyIdentifier [0] IMPLICIT */
	der_end(w, aki);
	ext_end(w, ext, val);
	ext = EXT_BEGIN(w, OID_CE_CRL_NUMBER, false, &val);
	der_uint(w, p->number);
	ext_end(w, ext, val);
	if (p->delta_base != 0) {
		ext = EXT_BEGIN(w, OID_CE_DELTA_CRL, true, &val);
		der_uint(w, p->delta_base);
		ext_end(w, ext, val);
	} else if (p->freshest_url != NULL) {
		ext_put_freshest_crl(w, p->freshest_url);
	}
	der_end(w, exts);
	der_end(w, ctx);
}

enum ca_err crl_build(struct signer *k, const struct crl_params *p, uint8_t **der, size_t *len,
		      struct ca_error *err)
{
	assert(k != NULL && p != NULL && der != NULL && len != NULL);
	struct der_w w = {0};
	enum ca_err rc = check(p, err);
	if (rc != CA_OK)
		return rc;

	/* One allocation for the whole CertificateList (see the file comment). */
	w.cap = p->n * ENTRY_MAX + p->issuer_len + p->ski_len + 2048 + 1024; /* + a URL, + sig */
	w.buf = malloc(w.cap);
	if (w.buf == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "no memory for a CRL of %zu entries", p->n);
	size_t list_hint = 0;
	for (size_t i = 0; i < p->n; i++)
		list_hint += entry_estimate(&p->entries[i]);
	size_t tbs_hint = list_hint + p->issuer_len + p->ski_len + 200;

	size_t outer = der_begin_hint(&w, DER_SEQUENCE, tbs_hint + 120);
	size_t tbs_at = w.len;
	size_t top = der_begin_hint(&w, DER_SEQUENCE, tbs_hint);
	der_uint(&w, 1); /* v2 */
	signer_write_alg(k, &w);
	der_raw(&w, p->issuer, p->issuer_len);
	der_time(&w, p->this_update);
	der_time(&w, p->next_update);
	if (p->n > 0) {
		/* RFC 5280 5.1.2.6: absent, not empty, when nothing is revoked. */
		size_t list = der_begin_hint(&w, DER_SEQUENCE, list_hint);
		for (size_t i = 0; i < p->n; i++)
			write_entry(&w, &p->entries[i]);
		der_end(&w, list);
	}
	write_exts(&w, p);
	der_end(&w, top);
	if (w.failed) {
		rc = ca_fail(err, CA_ERR_NOMEM, "no memory to encode a CRL of %zu entries", p->n);
		goto out;
	}

	/* Signed in place: SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING }. */
	uint8_t sig[SIGNER_SIG_MAX];
	size_t sl;
	if ((rc = signer_signature(k, w.buf + tbs_at, w.len - tbs_at, sig, &sl)) != CA_OK) {
		rc = ca_fail(err, rc, "signing the CRL failed (%s)", ca_strerror(rc));
		goto out;
	}
	signer_write_alg(k, &w);
	der_bits(&w, sig, sl);
	der_end(&w, outer);
	if (!der_finish(&w, der, len))
		return ca_fail(err, CA_ERR_NOMEM, "no memory to encode a CRL of %zu entries", p->n);
	return CA_OK;
out:
	der_free(&w);
	return rc;
}
