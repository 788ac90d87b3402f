/*
 * libFuzzer target for the list query (web/http/params.c): the query
 * string of /certs, /certs.csv and /api/v1/certificates, and the serial of
 * /certs/{serial}, attacker-controlled.
 *
 * The input is a query string, "name=value&..." (no percent-decoding: the
 * server decodes before the parser sees values); its first field's value
 * is also tried as a serial. Seeds are in tests/fuzz/corpus/fuzz_list_query.
 *
 * Invariants: accepted, the query is within the limits of params.h (limit
 * 1..500, q without leading spaces and at most 200 bytes, within 0 or
 * 1..36500, status all or one status, cursor at most 512 bytes), its
 * strings point into the request, and a second parse gives the same;
 * refused, the problem is a sentence. A serial is 32 lowercase hex digits.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 64

struct fake {
	char *names[MAX_FIELDS], *values[MAX_FIELDS];
	size_t n;
};

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_list_query: invariant broken: %s\n", what);
		abort();
	}
}

static const char *q_header(const struct http_req *r, const char *name)
{
	(void)r;
	(void)name;
	return NULL;
}

static const char *q_one(const struct http_req *r, const char *name)
{
	const struct fake *f = r->conn;
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->names[i], name) == 0)
			return f->values[i];
	return NULL;
}

static size_t q_all(const struct http_req *r, const char *name, const char **out, size_t max)
{
	const struct fake *f = r->conn;
	size_t k = 0;
	for (size_t i = 0; i < f->n && k < max; i++)
		if (strcmp(f->names[i], name) == 0)
			out[k++] = f->values[i];
	return k;
}

static const struct http_ops fake_ops = {q_header, q_one, q_all};

static bool within(const char *p, const char *s, size_t n)
{
	return p >= s && p < s + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct fake f = {0};
	for (char *p = s, *next; p != NULL && f.n < MAX_FIELDS; p = next) {
		next = strchr(p, '&');
		if (next != NULL)
			*next++ = '\0';
		char *eq = strchr(p, '=');
		f.names[f.n] = p;
		f.values[f.n] = eq ? eq + 1 : p + strlen(p);
		if (eq)
			*eq = '\0';
		f.n++;
	}
	struct http_req r = {.ops = &fake_ops, .method = "GET", .path = "/certs", .conn = &f};

	struct http_list_query a, b;
	bool ok = http_list_query_parse(&r, &a);
	check(http_list_query_parse(&r, &b) == ok, "a second parse agrees");
	if (ok) {
		const struct ca_list_query *q = &a.q;
		check(q->limit >= 1 && q->limit <= HTTP_LIST_LIMIT_MAX, "limit in range");
		check(q->status == -1 || (q->status >= 0 && q->status < CA_STATUS_MAX), "status");
		check(q->sort == CA_SORT_ISSUED || q->sort == CA_SORT_EXPIRES, "sort");
		check(q->expires_within_days >= 0 && q->expires_within_days <= HTTP_LIST_WITHIN_MAX,
		      "within in range");
		check(q->q == NULL || (*q->q && *q->q != ' ' && strlen(q->q) <= HTTP_LIST_Q_MAX &&
				       within(q->q, s, size + 1)),
		      "q");
		check(q->cursor == NULL || (strlen(q->cursor) <= HTTP_LIST_CURSOR_MAX &&
					    within(q->cursor, s, size + 1)),
		      "cursor");
		check(q->limit == b.q.limit && q->q == b.q.q && q->cursor == b.q.cursor &&
			  q->status == b.q.status &&
			  q->expires_within_days == b.q.expires_within_days,
		      "the same query twice");
	} else {
		check(strlen(a.problem) >= 10, "a refusal says why");
	}

	char serial[33];
	r.params[0] = f.n > 0 ? f.values[0] : "";
	r.nparams = 1;
	if (http_serial_param(&r, serial)) {
		check(strlen(serial) == 32, "a serial is 32 digits");
		for (size_t i = 0; i < 32; i++)
			check((serial[i] >= '0' && serial[i] <= '9') ||
				  (serial[i] >= 'a' && serial[i] <= 'f'),
			      "lowercase hex");
	}
	free(s);
	return 0;
}
