/*
 * The code in this file implements the one certificate reader
 * (cert_read.h): RFC 5280 4.1 as far as the CA needs it.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "x509/cert_read.h"
#include "internal.h"
#include "x509/oid.h"
#include "policy.h"

bool cert_read(const uint8_t *der, size_t len, struct cert_parts *p)
{
	struct der_r r = {der, len}, c, t, v;
	struct der_elem cert, tbs, e, val;
	if (!der_expect(&r, DER_SEQUENCE, &cert) || r.len != 0)
		return false;
	c = der_in(&cert);
	if (!der_expect(&c, DER_SEQUENCE, &tbs))
		return false;
	t = der_in(&tbs);
	if (der_peek(&t, DER_CTX_CONS(0)) && !der_next(&t, &e))
		return false;
	if (!der_expect(&t, DER_INTEGER, &p->serial) || !der_expect(&t, DER_SEQUENCE, &e) ||
	    !der_expect(&t, DER_SEQUENCE, &p->issuer) || !der_expect(&t, DER_SEQUENCE, &val))
		return false;
	v = der_in(&val);
	struct der_elem nb, na;
	if (!der_next(&v, &nb) || !der_next(&v, &na) || !der_get_time(&nb, &p->not_before) ||
	    !der_get_time(&na, &p->not_after))
		return false;
	if (!der_expect(&t, DER_SEQUENCE, &p->subject) || !der_expect(&t, DER_SEQUENCE, &p->spki))
		return false;
	memset(&p->exts, 0, sizeof(p->exts));
	while (t.len > 0) { /* issuerUniqueID [1], subjectUniqueID [2], extensions [3] */
		if (!der_next(&t, &e))
			return false;
		if (e.tag == DER_CTX_CONS(3))
			p->exts = e;
	}
	return true;
}

enum ca_err cert_read_sans(const struct cert_parts *p, struct name **out, size_t *n,
			   struct ca_error *err)
{
	struct der_r x = der_in(&p->exts), list;
	struct der_elem seq, ext, oid, val;
	*out = NULL;
	*n = 0;
	if (p->exts.len == 0 || !der_expect(&x, DER_SEQUENCE, &seq))
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the certificate has no extensions");
	list = der_in(&seq);
	while (der_expect(&list, DER_SEQUENCE, &ext)) {
		struct der_r e = der_in(&ext), gn;
		if (!der_expect(&e, DER_OID, &oid) ||
		    !der_oid_eq(&oid, (const uint8_t *)OID_CE_SAN, OID_LEN(OID_CE_SAN)))
			continue;
		if (der_peek(&e, DER_BOOLEAN) && !der_next(&e, &val))
			break;
		struct der_elem names;
		if (!der_expect(&e, DER_OCTET_STRING, &val))
			break;
		gn = der_in(&val);
		if (!der_expect(&gn, DER_SEQUENCE, &names))
			break;
		struct der_r nr = der_in(&names);
		struct der_elem g;
		struct name *v = calloc(POLICY_MAX_NAMES, sizeof(*v));
		if (v == NULL)
			return ca_fail(err, CA_ERR_NOMEM, "out of memory");
		size_t k = 0;
		while (k < POLICY_MAX_NAMES && der_next(&nr, &g)) {
			char text[NAME_MAX_DNS + 1];
			if (g.tag == DER_CTX(2) && g.len < sizeof(text)) {
				memcpy(text, g.val, g.len);
				text[g.len] = '\0';
			} else if (g.tag == DER_CTX(7) && (g.len == 4 || g.len == 16)) {
				if (inet_ntop(g.len == 4 ? AF_INET : AF_INET6, g.val, text,
					      sizeof(text)) == NULL)
					continue;
			} else {
				continue;
			}
			if (name_parse(text, &v[k], NULL) == CA_OK)
				k++;
		}
		if (k == 0) {
			free(v);
			break;
		}
		*out = v;
		*n = k;
		return CA_OK;
	}
	return ca_fail(err, CA_ERR_BAD_REQUEST, "the certificate names no host");
}
