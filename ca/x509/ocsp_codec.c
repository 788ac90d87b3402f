/*
 * The code in this file implements ocsp.h: the OCSPRequest reader and the
 * OCSPResponse writer of RFC 6960 section 4, on the project's DER reader
 * and writer, with wolfCrypt for hashing and key.c for the signature.
 *
 * The reader takes bytes from the network: every length comes from
 * der_next, which refuses anything that does not fit in what is left, and
 * nothing is allocated before the CertIDs have been counted and bounded.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "x509/der.h"
#include "x509/ocsp.h"
#include "x509/oid.h"

#define SHA1_LEN   20
#define SHA256_LEN 32

/* 9999-12-31T23:59:59Z, the last time GeneralizedTime can say. */
#define TIME_MAX INT64_C(253402300799)

/* ---- Request ------------------------------------------------------------- */

#define BAD(...) ca_fail(err, CA_ERR_BAD_REQUEST, "OCSP request: " __VA_ARGS__)

/* AlgorithmIdentifier of a CertID: SHA-1 or SHA-256 with NULL or absent parameters. */
static enum ca_err parse_hash_alg(const struct der_elem *alg, enum ocsp_hash *h,
				  struct ca_error *err)
{
	struct der_r r = der_in(alg);
	struct der_elem oid, params;
	if (!der_expect(&r, DER_OID, &oid))
		return BAD("CertID hashAlgorithm has no OID");
	if (der_oid_eq(&oid, (const uint8_t *)OID_SHA1, OID_LEN(OID_SHA1)))
		*h = OCSP_HASH_SHA1;
	else if (der_oid_eq(&oid, (const uint8_t *)OID_SHA256, OID_LEN(OID_SHA256)))
		*h = OCSP_HASH_SHA256;
	else
		*h = OCSP_HASH_OTHER;
	if (r.len == 0)
		return CA_OK;
	if (!der_next(&r, &params) || r.len != 0)
		return BAD("CertID hashAlgorithm is malformed");
	if (*h != OCSP_HASH_OTHER && (params.tag != DER_NULL || params.len != 0))
		return BAD("CertID hash parameters must be NULL or absent");
	return CA_OK;
}

/* Magnitude of a non-negative INTEGER; length 0 for zero or negative. */
static void serial_magnitude(const struct der_elem *e, struct ocsp_certid *id)
{
	const uint8_t *p = e->val;
	size_t n = e->len;
	id->serial = p;
	id->serial_len = 0;
	if (p[0] & 0x80)
		return; /* negative */
	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	id->serial = p;
	id->serial_len = n;
}

/* CertID (RFC 6960 4.1.1). */
static enum ca_err parse_certid(const struct der_elem *cid, struct ocsp_certid *id,
				struct ca_error *err)
{
	struct der_r r = der_in(cid);
	struct der_elem alg, nh, kh, sn;
	enum ca_err rc;

	if (!der_expect(&r, DER_SEQUENCE, &alg))
		return BAD("CertID has no hashAlgorithm");
	if ((rc = parse_hash_alg(&alg, &id->hash, err)) != CA_OK)
		return rc;
	if (!der_expect(&r, DER_OCTET_STRING, &nh) || !der_expect(&r, DER_OCTET_STRING, &kh))
		return BAD("CertID issuerNameHash and issuerKeyHash must be OCTET STRINGs");
	size_t want = id->hash == OCSP_HASH_SHA1 ? SHA1_LEN : SHA256_LEN;
	if (id->hash != OCSP_HASH_OTHER && (nh.len != want || kh.len != want))
		return BAD("CertID hashes are %zu and %zu bytes, not %zu", nh.len, kh.len, want);
	if (!der_expect(&r, DER_INTEGER, &sn) || sn.len == 0)
		return BAD("CertID serialNumber must be an INTEGER");
	if (r.len != 0)
		return BAD("CertID has bytes after serialNumber");
	id->tlv = cid->tlv;
	id->tlv_len = cid->tlv_len;
	id->name_hash = nh.val;
	id->name_hash_len = nh.len;
	id->key_hash = kh.val;
	id->key_hash_len = kh.len;
	serial_magnitude(&sn, id);
	return CA_OK;
}

/* Request ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] OPTIONAL } */
static enum ca_err parse_one(const struct der_elem *req, struct ocsp_certid *id,
			     struct ca_error *err)
{
	struct der_r r = der_in(req);
	struct der_elem cid, ext;
	enum ca_err rc;
	if (!der_expect(&r, DER_SEQUENCE, &cid))
		return BAD("Request has no CertID");
	if ((rc = parse_certid(&cid, id, err)) != CA_OK)
		return rc;
	if (der_peek(&r, DER_CTX_CONS(0)) && !der_next(&r, &ext))
		return BAD("singleRequestExtensions are malformed");
	if (r.len != 0)
		return BAD("Request has unexpected fields");
	return CA_OK;
}

/*
 * The nonce's extnValue holds a Nonce ::= OCTET STRING (RFC 9654); old
 * clients put the raw bytes there. Either way the value is 1..128 octets
 * and the whole extnValue content is echoed.
 */
static enum ca_err take_nonce(const struct der_elem *val, struct ocsp_request *out,
			      struct ca_error *err)
{
	struct der_r r = der_in(val);
	struct der_elem inner;
	size_t n = val->len;
	if (der_expect(&r, DER_OCTET_STRING, &inner) && r.len == 0)
		n = inner.len;
	if (n == 0 || n > OCSP_NONCE_MAX)
		return BAD("nonce of %zu octets (must be 1..%d)", n, OCSP_NONCE_MAX);
	if (out->nonce != NULL)
		return BAD("two nonce extensions");
	out->nonce = val->val;
	out->nonce_len = val->len;
	return CA_OK;
}

/* requestExtensions [2] EXPLICIT Extensions. */
static enum ca_err parse_exts(const struct der_elem *ctx, struct ocsp_request *out,
			      struct ca_error *err)
{
	struct der_r r = der_in(ctx), list;
	struct der_elem seq, ext, oid, crit, val;
	enum ca_err rc;
	if (!der_expect(&r, DER_SEQUENCE, &seq) || r.len != 0)
		return BAD("requestExtensions are malformed");
	list = der_in(&seq);
	while (list.len > 0) {
		if (!der_expect(&list, DER_SEQUENCE, &ext))
			return BAD("an extension is not a SEQUENCE");
		struct der_r x = der_in(&ext);
		bool critical = false;
		if (!der_expect(&x, DER_OID, &oid))
			return BAD("an extension has no OID");
		if (der_peek(&x, DER_BOOLEAN)) {
			if (!der_next(&x, &crit) || crit.len != 1)
				return BAD("an extension's critical flag is malformed");
			critical = crit.val[0] != 0;
		}
		if (!der_expect(&x, DER_OCTET_STRING, &val) || x.len != 0)
			return BAD("an extension's extnValue is malformed");
		if (der_oid_eq(&oid, (const uint8_t *)OID_OCSP_NONCE, OID_LEN(OID_OCSP_NONCE))) {
			if ((rc = take_nonce(&val, out, err)) != CA_OK)
				return rc;
		} else if (critical) {
			return BAD("a critical extension this responder does not know");
		}
	}
	return CA_OK;
}

enum ca_err ocsp_request_parse(const uint8_t *der, size_t n, struct ocsp_request *out,
			       struct ca_error *err)
{
	assert(out != NULL);
	struct der_r r = {der, n}, req, tbs, list;
	struct der_elem top, tbs_e, e, list_e;
	enum ca_err rc = CA_OK;
	size_t count = 0;

	memset(out, 0, sizeof(*out));
	if (der == NULL || !der_expect(&r, DER_SEQUENCE, &top))
		return BAD("not a DER OCSPRequest");
	if (r.len != 0)
		return BAD("%zu bytes after the OCSPRequest", r.len);
	req = der_in(&top);
	if (!der_expect(&req, DER_SEQUENCE, &tbs_e))
		return BAD("no tbsRequest");
	if (req.len != 0) {
		/* optionalSignature [0]: not checked (RFC 6960 4.1.2 lets us). */
		if (!der_expect(&req, DER_CTX_CONS(0), &e) || req.len != 0)
			return BAD("unexpected data after tbsRequest");
	}

	tbs = der_in(&tbs_e);
	if (der_peek(&tbs, DER_CTX_CONS(0))) {
		struct der_elem v;
		uint64_t ver;
		if (!der_next(&tbs, &e))
			return BAD("malformed version");
		struct der_r vr = der_in(&e);
		if (!der_expect(&vr, DER_INTEGER, &v) || vr.len != 0 || !der_get_uint(&v, &ver) ||
		    ver != 0)
			return BAD("only version v1 is known");
	}
	if (der_peek(&tbs, DER_CTX_CONS(1)) && !der_next(&tbs, &e))
		return BAD("malformed requestorName");
	if (!der_expect(&tbs, DER_SEQUENCE, &list_e))
		return BAD("no requestList");

	/* Count and bound before allocating. */
	list = der_in(&list_e);
	while (list.len > 0) {
		if (!der_expect(&list, DER_SEQUENCE, &e))
			return BAD("a Request is not a SEQUENCE");
		if (++count > OCSP_MAX_CERTIDS)
			return BAD("more than %d CertIDs", OCSP_MAX_CERTIDS);
	}
	if (count == 0)
		return BAD("the requestList is empty");

	if (der_peek(&tbs, DER_CTX_CONS(2))) {
		if (!der_next(&tbs, &e))
			return BAD("malformed requestExtensions");
		if ((rc = parse_exts(&e, out, err)) != CA_OK)
			goto out;
	}
	if (tbs.len != 0) {
		rc = BAD("unexpected data in tbsRequest");
		goto out;
	}

	out->ids = calloc(count, sizeof(*out->ids));
	if (out->ids == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "no memory for %zu OCSP CertIDs", count);
		goto out;
	}
	list = der_in(&list_e);
	for (size_t i = 0; i < count; i++) {
		if (!der_next(&list, &e)) {
			rc = ca_fail(err, CA_ERR_INTERNAL, "OCSP requestList changed under us");
			goto out;
		}
		if ((rc = parse_one(&e, &out->ids[i], err)) != CA_OK)
			goto out;
	}
	out->n = count;
out:
	if (rc != CA_OK)
		ocsp_request_free(out);
	return rc;
}

void ocsp_request_free(struct ocsp_request *r)
{
	if (r == NULL)
		return;
	free(r->ids);
	memset(r, 0, sizeof(*r));
}

/* ---- Issuer hashes ------------------------------------------------------- */

enum ca_err ocsp_issuer_hashes(const uint8_t *name, size_t name_len, const uint8_t *pubkey,
			       size_t pubkey_len, struct ocsp_issuer *out)
{
	assert(name != NULL && pubkey != NULL && out != NULL);
	if (name_len > UINT32_MAX || pubkey_len > UINT32_MAX)
		return CA_ERR_INTERNAL;
	if (wc_ShaHash(name, (word32)name_len, out->name_sha1) != 0 ||
	    wc_ShaHash(pubkey, (word32)pubkey_len, out->key_sha1) != 0 ||
	    wc_Sha256Hash(name, (word32)name_len, out->name_sha256) != 0 ||
	    wc_Sha256Hash(pubkey, (word32)pubkey_len, out->key_sha256) != 0)
		return CA_ERR_CRYPTO;
	return CA_OK;
}

bool ocsp_certid_is_ours(const struct ocsp_issuer *iss, const struct ocsp_certid *id)
{
	const uint8_t *nh, *kh;
	size_t len;
	switch (id->hash) {
	case OCSP_HASH_SHA1:
		nh = iss->name_sha1;
		kh = iss->key_sha1;
		len = SHA1_LEN;
		break;
	case OCSP_HASH_SHA256:
		nh = iss->name_sha256;
		kh = iss->key_sha256;
		len = SHA256_LEN;
		break;
	default:
		return false;
	}
	return id->name_hash_len == len && id->key_hash_len == len &&
	       memcmp(id->name_hash, nh, len) == 0 && memcmp(id->key_hash, kh, len) == 0;
}

/* ---- Responses ------------------------------------------------------------ */

static bool time_ok(int64_t t)
{
	return t >= 0 && t <= TIME_MAX;
}

static bool one_sequence(const uint8_t *p, size_t n)
{
	struct der_r r = {p, n};
	struct der_elem e;
	return p != NULL && der_expect(&r, DER_SEQUENCE, &e) && r.len == 0;
}

static enum ca_err check_response(const struct ocsp_response *r, struct ca_error *err)
{
#define RBAD(...) ca_fail(err, CA_ERR_BAD_REQUEST, "OCSP response: " __VA_ARGS__)
	if (r->key_hash == NULL)
		return RBAD("no responder key hash");
	if (r->n == 0 || r->n > OCSP_MAX_CERTIDS || r->singles == NULL)
		return RBAD("%zu SingleResponses (must be 1..%d)", r->n, OCSP_MAX_CERTIDS);
	if (!time_ok(r->produced_at))
		return RBAD("producedAt %lld out of range", (long long)r->produced_at);
	if (r->nonce != NULL && (r->nonce_len == 0 || r->nonce_len > OCSP_NONCE_MAX + 3))
		return RBAD("nonce of %zu bytes", r->nonce_len);
	if (r->ca_cert != NULL && !one_sequence(r->ca_cert, r->ca_cert_len))
		return RBAD("the CA certificate is not DER");
	for (size_t i = 0; i < r->n; i++) {
		const struct ocsp_single *s = &r->singles[i];
		if (!one_sequence(s->certid, s->certid_len))
			return RBAD("CertID %zu is not a DER SEQUENCE", i);
		if (!time_ok(s->this_update) || (s->next_update != 0 && !time_ok(s->next_update)))
			return RBAD("response %zu: thisUpdate/nextUpdate out of range", i);
		if (s->status == OCSP_CERT_REVOKED &&
		    (!time_ok(s->revoked_at) || ca_reason_name(s->reason) == NULL))
			return RBAD("response %zu: bad revocation time or reason", i);
		if (s->status != OCSP_CERT_GOOD && s->status != OCSP_CERT_REVOKED &&
		    s->status != OCSP_CERT_UNKNOWN)
			return RBAD("response %zu: unknown status %d", i, (int)s->status);
	}
	return CA_OK;
#undef RBAD
}

/* SingleResponse (RFC 6960 4.2.1). */
static void write_single(struct der_w *w, const struct ocsp_single *s)
{
	size_t seq = der_begin(w, DER_SEQUENCE);
	der_raw(w, s->certid, s->certid_len);
	switch (s->status) {
	case OCSP_CERT_GOOD:
		der_tlv(w, DER_CTX(0), NULL, 0); /* good [0] IMPLICIT NULL */
		break;
	case OCSP_CERT_REVOKED: {
		size_t ri = der_begin(w, DER_CTX_CONS(1)); /* revoked [1] IMPLICIT RevokedInfo */
		der_gentime(w, s->revoked_at);
		if (s->reason != CA_REASON_UNSPECIFIED) {
			uint8_t rv = (uint8_t)s->reason;
			size_t rr = der_begin(w, DER_CTX_CONS(0)); /* [0] EXPLICIT CRLReason */
			der_tlv(w, DER_ENUMERATED, &rv, 1);
			der_end(w, rr);
		}
		der_end(w, ri);
		break;
	}
	default:
		der_tlv(w, DER_CTX(2), NULL, 0); /* unknown [2] IMPLICIT NULL */
		break;
	}
	der_gentime(w, s->this_update);
	if (s->next_update != 0) {
		size_t nu = der_begin(w, DER_CTX_CONS(0));
		der_gentime(w, s->next_update);
		der_end(w, nu);
	}
	der_end(w, seq);
}

/* ResponseData; version v1 is the DEFAULT and so left out (X.690 11.5). */
static void write_response_data(struct der_w *w, const struct ocsp_response *r)
{
	size_t rd = der_begin(w, DER_SEQUENCE);
	size_t rid = der_begin(w, DER_CTX_CONS(2)); /* responderID byKey [2] EXPLICIT KeyHash */
	der_tlv(w, DER_OCTET_STRING, r->key_hash, SHA1_LEN);
	der_end(w, rid);
	der_gentime(w, r->produced_at);
	size_t list = der_begin(w, DER_SEQUENCE);
	for (size_t i = 0; i < r->n; i++)
		write_single(w, &r->singles[i]);
	der_end(w, list);
	if (r->nonce != NULL) {
		size_t ctx = der_begin(w, DER_CTX_CONS(1)); /* responseExtensions [1] EXPLICIT */
		size_t exts = der_begin(w, DER_SEQUENCE);
		size_t ext = der_begin(w, DER_SEQUENCE);
		der_oid(w, (const uint8_t *)OID_OCSP_NONCE, OID_LEN(OID_OCSP_NONCE));
		der_tlv(w, DER_OCTET_STRING, r->nonce, r->nonce_len);
		der_end(w, ext);
		der_end(w, exts);
		der_end(w, ctx);
	}
	der_end(w, rd);
}

enum ca_err ocsp_response_build(struct signer *k, const struct ocsp_response *r, uint8_t **der,
				size_t *len, struct ca_error *err)
{
	assert(k != NULL && r != NULL && der != NULL && len != NULL);
	struct der_w w = {0};
	uint8_t *rd = NULL;
	size_t rd_len, sig_len;
	uint8_t sig[SIGNER_SIG_MAX];
	enum ca_err rc = check_response(r, err);
	if (rc != CA_OK)
		return rc;

	write_response_data(&w, r);
	if (!der_finish(&w, &rd, &rd_len)) {
		rc = ca_fail(err, CA_ERR_NOMEM, "no memory for an OCSP response");
		goto out;
	}
	/* BasicOCSPResponse carries certs after the signature, so signer_sign cannot wrap it. */
	rc = signer_signature(k, rd, rd_len, sig, &sig_len);
	if (rc != CA_OK) {
		rc = ca_fail(err, rc, "signing the OCSP response failed (%s)", ca_strerror(rc));
		goto out;
	}

	size_t top = der_begin(&w, DER_SEQUENCE); /* OCSPResponse */
	uint8_t ok = OCSP_SUCCESSFUL;
	der_tlv(&w, DER_ENUMERATED, &ok, 1);
	size_t rb_ctx = der_begin(&w, DER_CTX_CONS(0)); /* responseBytes [0] EXPLICIT */
	size_t rb = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_OCSP_BASIC, OID_LEN(OID_OCSP_BASIC));
	size_t os = der_begin(&w, DER_OCTET_STRING);
	size_t basic = der_begin(&w, DER_SEQUENCE);
	der_raw(&w, rd, rd_len);
	signer_write_alg(k, &w);
	der_bits(&w, sig, sig_len);
	if (r->ca_cert != NULL) {
		size_t certs = der_begin(&w, DER_CTX_CONS(0)); /* certs [0] EXPLICIT */
		size_t seq = der_begin(&w, DER_SEQUENCE);
		der_raw(&w, r->ca_cert, r->ca_cert_len);
		der_end(&w, seq);
		der_end(&w, certs);
	}
	der_end(&w, basic);
	der_end(&w, os);
	der_end(&w, rb);
	der_end(&w, rb_ctx);
	der_end(&w, top);
	if (!der_finish(&w, der, len))
		rc = ca_fail(err, CA_ERR_NOMEM, "no memory for an OCSP response");
out:
	der_free(&w);
	free(rd);
	return rc;
}

enum ca_err ocsp_error_response(enum ocsp_resp_status status, uint8_t **der, size_t *len)
{
	switch (status) {
	case OCSP_MALFORMED_REQUEST:
	case OCSP_INTERNAL_ERROR:
	case OCSP_TRY_LATER:
	case OCSP_SIG_REQUIRED:
	case OCSP_UNAUTHORIZED:
		break;
	default:
		return CA_ERR_INTERNAL;
	}
	uint8_t *p = malloc(5);
	if (p == NULL)
		return CA_ERR_NOMEM;
	/* OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } */
	p[0] = DER_SEQUENCE;
	p[1] = 3;
	p[2] = DER_ENUMERATED;
	p[3] = 1;
	p[4] = (uint8_t)status;
	*der = p;
	*len = 5;
	return CA_OK;
}
