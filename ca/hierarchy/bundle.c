/*
 * The code in this file implements certificate bundles (bundle.h): PEM
 * with one or more certificates, DER, and PKCS#7 certs-only (RFC 5652 5.1,
 * RFC 2315 9.1), and the CA facts of a certificate (RFC 5280 4.2.1.3,
 * 4.2.1.9).
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "errors.h"
#include "hierarchy/bundle.h"
#include "x509/der.h"
#include "x509/oid.h"

#define OID_CE_NAME_CONSTRAINTS "\x55\x1d\x1e"

void bundle_free(struct bundle *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->der[i]);
	memset(b, 0, sizeof(*b));
}

/* Take der (owned) into b after checking that it is a certificate. */
static enum ca_err add_cert(struct bundle *b, uint8_t *der, size_t len, const char *what,
			    struct ca_error *err)
{
	if (b->n == BUNDLE_MAX) {
		free(der);
		return ca_fail(err, CA_ERR_BAD_REQUEST, "%s holds more than %d certificates", what,
			       BUNDLE_MAX);
	}
	if (!cert_read(der, len, &b->parts[b->n])) {
		free(der);
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "%s holds something that is not a certificate", what);
	}
	b->der[b->n] = der;
	b->len[b->n] = len;
	b->n++;
	return CA_OK;
}

/* ContentInfo { signedData, [0] SignedData { ..., certificates [0] IMPLICIT
 * SET OF Certificate, ... } }: true (and the certificates added) if in is
 * one; false if it is not PKCS#7 at all. */
static bool p7_read(const uint8_t *in, size_t n, const char *what, struct bundle *b,
		    enum ca_err *rc, struct ca_error *err)
{
	struct der_r r = {in, n}, ci, x, sd;
	struct der_elem e, oid, expl, sdata, ver, set, enc, certs;
	if (!der_expect(&r, DER_SEQUENCE, &e) || r.len != 0)
		return false;
	ci = der_in(&e);
	if (!der_expect(&ci, DER_OID, &oid) ||
	    !der_oid_eq(&oid, (const uint8_t *)OID_PKCS7_SIGNED_DATA,
			OID_LEN(OID_PKCS7_SIGNED_DATA)))
		return false;
	*rc =
	    ca_fail(err, CA_ERR_BAD_REQUEST, "%s is a PKCS#7 file that holds no certificate", what);
	if (!der_expect(&ci, DER_CTX_CONS(0), &expl))
		return true;
	x = der_in(&expl);
	if (!der_expect(&x, DER_SEQUENCE, &sdata))
		return true;
	sd = der_in(&sdata);
	if (!der_expect(&sd, DER_INTEGER, &ver) || !der_expect(&sd, DER_SET, &set) ||
	    !der_expect(&sd, DER_SEQUENCE, &enc) || !der_expect(&sd, DER_CTX_CONS(0), &certs))
		return true;
	struct der_r cr = der_in(&certs);
	struct der_elem c;
	size_t before = b->n;
	while (cr.len > 0) {
		if (!der_next(&cr, &c))
			return true;
		if (c.tag != DER_SEQUENCE)
			continue; /* other certificate formats (RFC 5652 10.2.2) */
		uint8_t *copy = malloc(c.tlv_len);
		if (copy == NULL) {
			*rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
			return true;
		}
		memcpy(copy, c.tlv, c.tlv_len);
		if ((*rc = add_cert(b, copy, c.tlv_len, what, err)) != CA_OK)
			return true;
	}
	if (b->n > before)
		*rc = CA_OK;
	return true;
}

/* Find s in [p, end). */
static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *s)
{
	size_t sl = strlen(s);
	for (; (size_t)(end - p) >= sl; p++)
		if (memcmp(p, s, sl) == 0)
			return p;
	return NULL;
}

enum ca_err bundle_read(const uint8_t *in, size_t n, const char *what, struct bundle *b,
			struct ca_error *err)
{
	static const char *const cert_labels[] = {"CERTIFICATE", "X509 CERTIFICATE", NULL};
	static const char *const p7_labels[] = {"PKCS7", "CMS", NULL};
	enum ca_err rc = CA_OK;
	uint8_t *der = NULL;
	size_t len;

	if (!pem_looks(in, n)) {
		if (p7_read(in, n, what, b, &rc, err))
			return rc;
		if ((der = malloc(n ? n : 1)) == NULL)
			return ca_fail(err, CA_ERR_NOMEM, "out of memory");
		memcpy(der, in, n);
		return add_cert(b, der, n, what, err);
	}
	const uint8_t *p = in, *end = in + n;
	size_t before = b->n;
	while ((p = find(p, end, "-----BEGIN ")) != NULL) {
		const uint8_t *stop = find(p, end, "-----END ");
		if (stop == NULL)
			return ca_fail(err, CA_ERR_BAD_REQUEST, "%s holds a truncated PEM block",
				       what);
		stop = find(stop + 9, end, "-----");
		if (stop == NULL)
			return ca_fail(err, CA_ERR_BAD_REQUEST, "%s holds a truncated PEM block",
				       what);
		size_t blk = (size_t)(stop + 5 - p);
		if (pem_decode(p, blk, cert_labels, &der, &len)) {
			if ((rc = add_cert(b, der, len, what, err)) != CA_OK)
				return rc;
		} else if (pem_decode(p, blk, p7_labels, &der, &len)) {
			bool is_p7 = p7_read(der, len, what, b, &rc, err);
			free(der);
			if (!is_p7)
				return ca_fail(
				    err, CA_ERR_BAD_REQUEST,
				    "%s holds a PKCS7 block that is not PKCS#7 SignedData", what);
			if (rc != CA_OK)
				return rc;
		} else if (find(p, p + blk, "-----BEGIN CERTIFICATE-----") == p) {
			return ca_fail(err, CA_ERR_BAD_REQUEST,
				       "%s holds a CERTIFICATE block that does not decode", what);
		}
		/* Other blocks (a key, a CRL) are not certificates: skipped. */
		p = stop + 5;
	}
	if (b->n == before)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "%s holds no certificate", what);
	return CA_OK;
}

bool cert_issued_by(const struct cert_parts *child, const struct cert_parts *parent)
{
	return child->issuer.tlv_len == parent->subject.tlv_len &&
	       memcmp(child->issuer.tlv, parent->subject.tlv, parent->subject.tlv_len) == 0;
}

bool ca_facts_read(const struct cert_parts *p, struct ca_facts *f)
{
	memset(f, 0, sizeof(*f));
	if (p->exts.len == 0)
		return true; /* a v1 certificate: no CA */
	struct der_r x = der_in(&p->exts), list;
	struct der_elem seq, ext, oid, val, crit;
	if (!der_expect(&x, DER_SEQUENCE, &seq))
		return false;
	list = der_in(&seq);
	while (list.len > 0) {
		if (!der_expect(&list, DER_SEQUENCE, &ext))
			return false;
		struct der_r e = der_in(&ext);
		if (!der_expect(&e, DER_OID, &oid))
			return false;
		if (der_peek(&e, DER_BOOLEAN) && !der_next(&e, &crit))
			return false;
		if (!der_expect(&e, DER_OCTET_STRING, &val))
			return false;
		struct der_r v = der_in(&val);
		struct der_elem in;
		if (der_oid_eq(&oid, (const uint8_t *)OID_CE_BASIC_CONSTRAINTS,
			       OID_LEN(OID_CE_BASIC_CONSTRAINTS))) {
			if (!der_expect(&v, DER_SEQUENCE, &in))
				return false;
			struct der_r bc = der_in(&in);
			struct der_elem b;
			if (der_peek(&bc, DER_BOOLEAN)) {
				if (!der_next(&bc, &b) || b.len != 1)
					return false;
				f->is_ca = b.val[0] != 0;
			}
			if (der_peek(&bc, DER_INTEGER)) {
				if (!der_next(&bc, &b) || !der_get_uint(&b, &f->path_len))
					return false;
				f->has_path_len = true;
			}
		} else if (der_oid_eq(&oid, (const uint8_t *)OID_CE_KEY_USAGE,
				      OID_LEN(OID_CE_KEY_USAGE))) {
			if (!der_expect(&v, DER_BIT_STRING, &in) || in.len < 2)
				return false;
			f->has_ku = true;
			f->key_cert_sign = (in.val[1] & 0x04) != 0; /* bit 5 */
			f->crl_sign = (in.val[1] & 0x02) != 0;	    /* bit 6 */
		} else if (der_oid_eq(&oid, (const uint8_t *)OID_CE_NAME_CONSTRAINTS,
				      OID_LEN(OID_CE_NAME_CONSTRAINTS))) {
			f->has_nc = true;
		}
	}
	return true;
}
