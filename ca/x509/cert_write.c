/*
 * The code in this file implements certificate encoding (RFC 5280 4.1):
 * the TBSCertificate is written with the project's DER writer so that the
 * subject Name and SubjectPublicKeyInfo are the CSR's bytes, dates are
 * exact, and every extension has the criticality RFC 5280 asks for; wolfCrypt
 * only signs (wolfssl-notes.md explains why its encoder is not used).
 */

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "x509/der.h"
#include "hierarchy/constraints.h"
#include "x509/ext.h"
#include "internal.h"
#include "x509/oid.h"

#define OID(w, o) der_oid((w), (const uint8_t *)(o), OID_LEN(o))

/* basicConstraints, critical (wolfSSL's encoder gets this wrong). */
static void basic_constraints(struct der_w *w, const struct cert_tpl *t)
{
	size_t oct, m = EXT_BEGIN(w, OID_CE_BASIC_CONSTRAINTS, true, &oct);
	size_t bc = der_begin(w, DER_SEQUENCE);
	if (t->is_ca) {
		der_bool(w, true); /* cA TRUE */
		if (t->has_path_len)
			der_uint(w, t->path_len);
	}
	der_end(w, bc); /* CA:FALSE is the empty SEQUENCE (DEFAULT omitted) */
	ext_end(w, m, oct);
}

/* keyUsage, critical: a named BIT STRING with its trailing zero bits
 * counted as unused (X.690 11.2.2). */
static void key_usage(struct der_w *w, const struct cert_tpl *t)
{
	size_t oct, m = EXT_BEGIN(w, OID_CE_KEY_USAGE, true, &oct);
	if (t->is_ca)
		der_tlv(w, DER_BIT_STRING, "\x01\x86",
			2); /* digitalSignature keyCertSign cRLSign */
	else if (t->key_encipherment)
		der_tlv(w, DER_BIT_STRING, "\x05\xa0", 2); /* digitalSignature keyEncipherment */
	else
		der_tlv(w, DER_BIT_STRING, "\x07\x80", 2); /* digitalSignature */
	ext_end(w, m, oct);
}

/* extKeyUsage from the profile; leaves only. */
static void ext_key_usage(struct der_w *w, const struct cert_tpl *t)
{
	if (t->is_ca)
		return;
	size_t oct, m = EXT_BEGIN(w, OID_CE_EKU, false, &oct);
	size_t s = der_begin(w, DER_SEQUENCE);
	if (t->profile == CA_PROFILE_SERVER || t->profile == CA_PROFILE_PEER)
		OID(w, OID_KP_SERVER_AUTH);
	if (t->profile == CA_PROFILE_CLIENT || t->profile == CA_PROFILE_PEER)
		OID(w, OID_KP_CLIENT_AUTH);
	der_end(w, s);
	ext_end(w, m, oct);
}

/* subjectKeyIdentifier, and authorityKeyIdentifier { keyIdentifier [0] }
 * unless self-signed. */
static void key_ids(struct der_w *w, const struct cert_tpl *t)
{
	size_t oct, m = EXT_BEGIN(w, OID_CE_SKI, false, &oct);
	der_tlv(w, DER_OCTET_STRING, t->ski, 20);
	ext_end(w, m, oct);
	if (t->aki == NULL)
		return;
	m = EXT_BEGIN(w, OID_CE_AKI, false, &oct);
	size_t s = der_begin(w, DER_SEQUENCE);
	der_tlv(w, DER_CTX(0), t->aki, 20);
	der_end(w, s);
	ext_end(w, m, oct);
}

/* subjectAltName: dNSName and iPAddress in the template's order. */
static void subject_alt_name(struct der_w *w, const struct cert_tpl *t)
{
	if (t->nnames == 0)
		return;
	/* RFC 5280 4.2.1.6: critical when the subject is empty. */
	bool empty_subject = t->subject_len == 2;
	size_t oct, m = EXT_BEGIN(w, OID_CE_SAN, empty_subject, &oct);
	size_t s = der_begin(w, DER_SEQUENCE);
	for (size_t i = 0; i < t->nnames; i++) {
		const struct name *n = &t->names[i];
		if (n->kind == NAME_DNS)
			der_tlv(w, DER_CTX(2), n->text, strlen(n->text));
		else
			der_tlv(w, DER_CTX(7), n->ip, n->ip_len);
	}
	der_end(w, s);
	ext_end(w, m, oct);
}

static void extensions(struct der_w *w, const struct cert_tpl *t)
{
	size_t x = der_begin(w, DER_CTX_CONS(3));
	size_t seq = der_begin(w, DER_SEQUENCE);
	basic_constraints(w, t);
	key_usage(w, t);
	ext_key_usage(w, t);
	key_ids(w, t);
	subject_alt_name(w, t);
	if (t->is_ca && t->nc != NULL && !nc_empty(t->nc)) /* critical (constraints.h) */
		nc_write_ext(t->nc, w);
	if (t->crl_url != NULL)
		ext_put_crl_dp(w, t->crl_url);
	if (t->freshest_url != NULL)
		ext_put_freshest_crl(w, t->freshest_url);
	ext_put_aia(w, t->ocsp_url, t->issuer_url);
	der_end(w, seq);
	der_end(w, x);
}

enum ca_err cert_build(const struct cert_tpl *t, struct signer *signer, uint8_t **der, size_t *len)
{
	struct der_w w = {0};
	size_t tbs = der_begin(&w, DER_SEQUENCE);
	size_t v = der_begin(&w, DER_CTX_CONS(0));
	der_uint(&w, 2); /* v3 */
	der_end(&w, v);
	der_uint_bytes(&w, DER_INTEGER, t->serial, t->serial_len);
	signer_write_alg(signer, &w);
	der_raw(&w, t->issuer, t->issuer_len);
	size_t val = der_begin(&w, DER_SEQUENCE);
	der_time(&w, t->not_before);
	der_time(&w, t->not_after);
	der_end(&w, val);
	der_raw(&w, t->subject, t->subject_len);
	der_raw(&w, t->spki, t->spki_len);
	extensions(&w, t);
	der_end(&w, tbs);

	uint8_t *tbs_der;
	size_t tbs_len;
	if (!der_finish(&w, &tbs_der, &tbs_len))
		return CA_ERR_NOMEM;
	enum ca_err rc = signer_sign(signer, tbs_der, tbs_len, der, len);
	free(tbs_der);
	return rc;
}
