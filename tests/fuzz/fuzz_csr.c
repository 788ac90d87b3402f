/*
 * Fuzz target for the CSR intake: csr_parse on the raw bytes, and the Name
 * code (dn_to_string, dn_last_cn, dn_drop_foreign_cn) on every SEQUENCE
 * found in the input, so mutated subjects reach dn.c even when the
 * signature no longer verifies.
 *
 * Built with libFuzzer: clang -fsanitize=fuzzer,address -DPRIVCA_LIBFUZZER
 * ... tests/fuzz/fuzz_csr.c tests/fuzz/replay.c; otherwise replay.c runs it
 * over a directory of inputs and deterministic mutations of them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/csr.h"
#include "x509/der.h"
#include "x509/dn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_csr: invariant broken: %s\n", what);
		abort();
	}
}

static void names(const uint8_t *p, size_t n)
{
	static const char *const allowed[] = {"p256.example.test", "first.example.test", "x"};
	char *s = dn_to_string(p, n);
	check(s == NULL || dn_valid(p, n), "dn_to_string printed an invalid Name");
	free(s);
	char *cn = NULL;
	if (dn_last_cn(p, n, &cn) == CA_OK)
		free(cn);
	uint8_t *out = NULL;
	size_t out_len = 0;
	if (dn_drop_foreign_cn(p, n, allowed, 3, &out, &out_len) == CA_OK) {
		check(out_len <= n && dn_valid(out, out_len), "dn_drop_foreign_cn made a bad Name");
		free(out);
	}
}

/* Every SEQUENCE in the DER tree (depth-limited) is tried as a Name. */
static void walk(const uint8_t *p, size_t n, int depth)
{
	struct der_r r = {p, n};
	struct der_elem e;
	while (depth < 8 && der_next(&r, &e)) {
		if (e.tag == DER_SEQUENCE)
			names(e.tlv, e.tlv_len);
		if (e.tag & 0x20)
			walk(e.val, e.len, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct csr c;
	struct ca_error e;
	e.detail[0] = '\0';
	enum ca_err rc = csr_parse(data, size, &c, &e);
	check(memchr(e.detail, '\0', sizeof(e.detail)) != NULL, "unterminated message");
	if (rc != CA_OK) {
		check(e.detail[0] != '\0', "an error without a message");
		check(c.der == NULL && c.dns == NULL && c.ips == NULL && c.cn == NULL,
		      "output not cleared on error");
	} else {
		check(c.subject >= c.der && c.subject + c.subject_len <= c.der + c.der_len,
		      "subject outside der");
		check(c.spki >= c.der && c.spki + c.spki_len <= c.der + c.der_len,
		      "spki outside der");
		check(c.pubkey >= c.spki && c.pubkey + c.pubkey_len <= c.spki + c.spki_len,
		      "pubkey outside spki");
		for (size_t i = 0; i < c.ndns; i++)
			check(c.dns[i] != NULL, "NULL dns name");
		for (size_t i = 0; i < c.nips; i++)
			check(c.ips[i] != NULL, "NULL ip");
		names(c.subject, c.subject_len);
	}
	csr_free(&c);
	walk(data, size, 0);
	return 0;
}
