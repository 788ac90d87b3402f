/*
 * libFuzzer target for content negotiation (web/http/negotiate.c): the
 * Accept and Content-Type headers of every request, attacker-controlled.
 *
 * The first input byte picks how many of the offered types are used (1 to
 * HTTP_NEGOTIATE_MAX) and the default; the rest, up to the first '\n', is
 * the Accept value, and after it the Content-Type value. Seeds are in
 * tests/fuzz/corpus/fuzz_negotiate.
 *
 * Invariants: http_negotiate returns an index of the offered types, the
 * default for no Accept and for "*" + "/" + "*" alone; a type named with q=1
 * and nothing else wins. http_media_type fills out with a lowercased type
 * without parameters or spaces, shorter than the value, NUL-terminated,
 * and is idempotent; a value that does not fit is refused, not cut.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_negotiate: invariant broken: %s\n", what);
		abort();
	}
}

static const char *const offered[HTTP_NEGOTIATE_MAX] = {
    "application/json",
    "application/x-pem-file",
    "text/plain",
    "application/pem-certificate-chain",
    "application/pkix-cert",
    "application/pkcs7-mime",
    "text/html",
    "text/csv",
};

static void media_type(const char *ct)
{
	char out[80], again[80];
	if (!http_media_type(ct, out, sizeof(out))) {
		check(strlen(ct) >= 1, "a refused media type is not empty");
		return;
	}
	size_t n = strlen(out);
	check(n < sizeof(out), "media type NUL-terminated");
	check(n <= strlen(ct), "media type no longer than the value");
	for (size_t i = 0; i < n; i++) {
		check(out[i] != ';' && out[i] != ' ' && out[i] != '\t', "no parameters or spaces");
		check(!(out[i] >= 'A' && out[i] <= 'Z'), "lowercased");
	}
	check(http_media_type(out, again, sizeof(again)) && strcmp(out, again) == 0,
	      "media type is idempotent");
	check(!http_media_type(ct, out, 1) || out[0] == '\0', "a 1-byte room holds only \"\"");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 8192)
		return 0;
	int ntypes = 1 + data[0] % HTTP_NEGOTIATE_MAX;
	int dflt = (data[0] >> 4) % ntypes;
	char *s = malloc(size);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	char *nl = strchr(s, '\n');
	const char *ct = "";
	if (nl != NULL) {
		*nl = '\0';
		ct = nl + 1;
	}

	int got = http_negotiate(s, offered, ntypes, dflt);
	check(got >= 0 && got < ntypes, "an offered type");
	check(http_negotiate(NULL, offered, ntypes, dflt) == dflt, "no Accept: the default");
	check(http_negotiate("", offered, ntypes, dflt) == dflt, "empty Accept: the default");
	check(http_negotiate("*/*", offered, ntypes, dflt) == dflt, "*/*: the default");
	int pick = (data[0] >> 2) % ntypes;
	check(http_negotiate(offered[pick], offered, ntypes, dflt) == pick,
	      "the one type named wins");

	media_type(s);
	media_type(ct);
	free(s);
	return 0;
}
