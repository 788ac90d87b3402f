/*
 * The code in this file implements the PostgreSQL store's certificates,
 * revocations, CRL state and event log (pg_int.h), with the semantics of
 * sqlite_certs.c: a taken serial is CA_ERR_EXISTS (the primary key decides,
 * across nodes), a revocation checks and writes in one transaction with
 * the row locked, and the CRL number is recorded by compare and set.
 *
 * A revocation and a recorded CRL are announced on PG_CHANNEL in their own
 * transaction (NOTIFY is delivered at COMMIT), so every node's watcher
 * wakes within moments (pg_watch.c).
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "pg_int.h"
#include "rows.h"

/* ---- events ---- */

enum ca_err pg_event_insert(PGconn *c, int64_t at, const char *kind, const char *serial,
			    const char *actor, const char *detail)
{
	struct pg_query q = {0};
	pg_sql(&q, "INSERT INTO events (at, kind, serial, actor, detail) VALUES (");
	pg_int(&q, at);
	pg_sql(&q, ",");
	pg_text(&q, kind);
	pg_sql(&q, ",");
	pg_text(&q, serial);
	pg_sql(&q, ",");
	pg_text(&q, actor ? actor : "cli");
	pg_sql(&q, ",");
	pg_text(&q, detail ? detail : "");
	pg_sql(&q, ")");
	return pg_run(c, &q, NULL, NULL);
}

/* An event queued for the writer, its strings after it in one block. */
struct event_job {
	struct pg_job job;
	int64_t at;
	const char *kind, *serial, *actor, *detail;
};

static enum ca_err run_event(struct pg_store *s, PGconn *c, const void *arg, struct ca_error *err)
{
	const struct event_job *e = arg;
	(void)s;
	(void)err;
	return pg_event_insert(c, e->at, e->kind, e->serial, e->actor, e->detail);
}

static void free_event(struct batch_job *j)
{
	free(j); /* the queue's part, then the job, first in the one block */
}

/* Copy src (NULL stays NULL) to *p and step past it. */
static const char *put_str(char **p, const char *src)
{
	if (src == NULL)
		return NULL;
	size_t n = strlen(src) + 1;
	char *d = *p;
	memcpy(d, src, n);
	*p += n;
	return d;
}

enum ca_err pg_event(struct store *base, int64_t at, const char *kind, const char *serial,
		     const char *actor, const char *detail)
{
	size_t n = sizeof(struct event_job) + strlen(kind) + 1;
	n += serial ? strlen(serial) + 1 : 0;
	n += actor ? strlen(actor) + 1 : 0;
	n += detail ? strlen(detail) + 1 : 0;
	struct event_job *e = calloc(1, n);
	if (e == NULL)
		return CA_ERR_NOMEM;
	char *p = (char *)(e + 1);
	e->at = at;
	e->kind = put_str(&p, kind);
	e->serial = put_str(&p, serial);
	e->actor = put_str(&p, actor);
	e->detail = put_str(&p, detail);
	e->job.run = run_event;
	e->job.arg = e;
	e->job.q.free_job = free_event;
	return pg_submit_async(pg_of(base), &e->job);
}

enum ca_err pg_event_list(struct store *base, size_t limit, struct store_event_row **out, size_t *n,
			  struct ca_error *err)
{
	struct pg_store *s = pg_of(base);
	struct pg_job barrier = {.err = err}; /* the events queued before now, committed */
	if (limit == 0 || limit > 10000)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "limit must be between 1 and 10000");
	enum ca_err rc = pg_submit(s, &barrier);
	if (rc != CA_OK)
		return rc;
	struct pg_conn *c = pg_get(s, err);
	if (c == NULL)
		return CA_ERR_UNAVAILABLE;
	struct pg_query q = {0};
	PGresult *r = NULL;
	struct store_event_row *v = NULL;
	int rows = 0, i = 0;
	pg_sql(&q, "SELECT at, kind, serial, actor, detail FROM events ORDER BY id DESC LIMIT ");
	pg_int(&q, (int64_t)limit);
	if ((rc = pg_run(c->db, &q, &r, err)) != CA_OK)
		goto out;
	rows = PQntuples(r);
	if ((v = calloc((size_t)rows + 1, sizeof(*v))) == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (; i < rows; i++) {
		v[i].at = pg_num(r, i, 0);
		v[i].kind = strdup(pg_str(r, i, 1));
		v[i].serial = PQgetisnull(r, i, 2) ? NULL : strdup(pg_str(r, i, 2));
		v[i].actor = strdup(pg_str(r, i, 3));
		v[i].detail = strdup(pg_str(r, i, 4));
		if (!v[i].kind || !v[i].actor || !v[i].detail ||
		    (!PQgetisnull(r, i, 2) && !v[i].serial)) {
			i++;
			rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	*out = v;
	*n = (size_t)rows;
	v = NULL;
out:
	if (v != NULL)
		store_event_list_free(v, (size_t)i);
	PQclear(r);
	pg_put(s, c);
	return rc;
}

/* ---- certificates ---- */

/* The search column: subject, names and serial, lowered (ASCII, as
 * sqlite_certs.c does: the same case rules on both backends). */
static char *search_text(const struct ca_cert *c, const char *dns, const char *ips)
{
	const char *part[4] = {c->subject, dns, ips, c->serial};
	size_t n = 4;
	for (int i = 0; i < 4; i++)
		n += strlen(part[i]);
	char *joined = malloc(n), *p = joined;
	if (joined == NULL)
		return NULL;
	for (int i = 0; i < 4; i++) {
		size_t k = strlen(part[i]);
		memcpy(p, part[i], k);
		p += k;
		*p++ = i < 3 ? ' ' : '\0';
	}
	char *low = rows_lower(joined);
	free(joined);
	return low;
}

/* A writer job: insert one certificate and its 'issue' event. */
static enum ca_err run_cert_put(struct pg_store *s, PGconn *db, const void *arg,
				struct ca_error *err)
{
	const struct ca_cert *c = arg;
	enum ca_err rc = CA_ERR_NOMEM;
	char *dns = rows_join(c->dns_names, c->n_dns, ',');
	char *ips = rows_join(c->ip_addresses, c->n_ip, ',');
	char *search = NULL;
	(void)s;
	(void)err;
	if (dns == NULL || ips == NULL || (search = search_text(c, dns, ips)) == NULL)
		goto out;
	struct pg_query q = {0};
	pg_sql(&q, "INSERT INTO certificates (serial, subject, dns_names, ip_addresses, "
		   "not_before, not_after, profile, requester, fingerprint_sha256, der, "
		   "created_at, search) VALUES (");
	pg_text(&q, c->serial);
	pg_sql(&q, ",");
	pg_text(&q, c->subject);
	pg_sql(&q, ",");
	pg_text(&q, dns);
	pg_sql(&q, ",");
	pg_text(&q, ips);
	pg_sql(&q, ",");
	pg_int(&q, c->not_before);
	pg_sql(&q, ",");
	pg_int(&q, c->not_after);
	pg_sql(&q, ",");
	pg_text(&q, ca_profile_name(c->profile));
	pg_sql(&q, ",");
	pg_text(&q, c->requester);
	pg_sql(&q, ",");
	pg_text(&q, c->fingerprint_sha256);
	pg_sql(&q, ",");
	pg_bytes(&q, c->der, c->der_len);
	pg_sql(&q, ",");
	pg_int(&q, c->created_at);
	pg_sql(&q, ",");
	pg_text(&q, search);
	pg_sql(&q, ")");
	if ((rc = pg_run(db, &q, NULL, NULL)) == CA_OK)
		/* A validity cut to the CA's end (clamp_to_ca) is said in the record. */
		rc = pg_event_insert(db, c->created_at, c->clamped ? "issue-clamped" : "issue",
				     c->serial, c->requester, dns);
out:
	free(dns);
	free(ips);
	free(search);
	return rc;
}

enum ca_err pg_cert_put(struct store *base, const struct ca_cert *c, struct ca_error *err)
{
	struct pg_job j = {.run = run_cert_put, .arg = c, .err = err};
	enum ca_err rc = pg_submit(pg_of(base), &j);
	if (rc == CA_ERR_EXISTS)
		return ca_fail(err, rc, "serial %s is taken", c->serial);
	if (rc == CA_ERR_UNAVAILABLE)
		return rc; /* the sentence is pg_submit's */
	if (rc != CA_OK)
		return ca_fail(err, rc,
			       "the certificate could not be recorded; nothing was issued");
	return CA_OK;
}

void pg_cert_cols(const PGresult *r, int row, struct rows_cert_cols *k, unsigned char **der)
{
	k->serial = pg_str(r, row, 0);
	k->subject = pg_str(r, row, 1);
	k->dns = pg_str(r, row, 2);
	k->ips = pg_str(r, row, 3);
	k->not_before = pg_num(r, row, 4);
	k->not_after = pg_num(r, row, 5);
	k->profile = pg_str(r, row, 6);
	k->requester = pg_str(r, row, 7);
	k->fingerprint = pg_str(r, row, 8);
	k->status = pg_str(r, row, 9);
	k->revoked_at = pg_num(r, row, 10);
	k->reason = (int)pg_num(r, row, 11);
	k->created_at = pg_num(r, row, 12);
	k->der = NULL;
	k->der_len = 0;
	if (der != NULL) {
		size_t n = 0;
		*der = PQunescapeBytea((const unsigned char *)pg_str(r, row, 13), &n);
		k->der = *der;
		k->der_len = *der != NULL ? n : 0;
	}
}

/* Run q on a pooled connection into *r (PQclear it). */
static enum ca_err pooled(struct pg_store *s, const struct pg_query *q, PGresult **r,
			  struct ca_error *err)
{
	struct pg_conn *c = pg_get(s, err);
	if (c == NULL)
		return CA_ERR_UNAVAILABLE;
	enum ca_err rc = pg_run(c->db, q, r, err);
	pg_put(s, c);
	return rc;
}

enum ca_err pg_cert_get(struct store *base, const char *serial, int64_t now, struct ca_cert **out,
			struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "SELECT " PG_CERT_COLS ", der FROM certificates WHERE serial = ");
	pg_text(&q, serial);
	enum ca_err rc = pooled(pg_of(base), &q, &r, err);
	if (rc != CA_OK)
		return rc;
	if (PQntuples(r) == 0) {
		rc = ca_fail(err, CA_ERR_NOT_FOUND, "no certificate with serial %s", serial);
	} else {
		struct rows_cert_cols k;
		unsigned char *der = NULL;
		pg_cert_cols(r, 0, &k, &der);
		rc = der == NULL ? ca_fail(err, CA_ERR_NOMEM, "out of memory")
				 : rows_cert(&k, true, now, out, err);
		PQfreemem(der);
	}
	PQclear(r);
	return rc;
}

enum ca_err pg_count(struct store *base, int64_t now, struct ca_counts *out, struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "SELECT count(*) FILTER (WHERE status = 'valid' AND not_after >= $1), "
		   "count(*) FILTER (WHERE status = 'revoked'), "
		   "count(*) FILTER (WHERE status = 'valid' AND not_after < $1), "
		   "count(*) FILTER (WHERE status = 'valid' AND not_after >= $1 AND "
		   "not_after < $1 + 2592000), (SELECT deleted FROM tidy_state WHERE id = 1) "
		   "FROM certificates");
	pg_bind_int(&q, now);
	enum ca_err rc = pooled(pg_of(base), &q, &r, err);
	if (rc != CA_OK)
		return rc;
	out->valid = (uint64_t)pg_num(r, 0, 0);
	out->revoked = (uint64_t)pg_num(r, 0, 1);
	out->expired = (uint64_t)pg_num(r, 0, 2);
	out->expiring_30d = (uint64_t)pg_num(r, 0, 3);
	out->tidied = (uint64_t)pg_num(r, 0, 4);
	PQclear(r);
	return CA_OK;
}

/* ---- revocation ---- */

/* Inside the transaction, the row locked: may r be recorded? */
static enum ca_err revoke_check(PGconn *c, const struct store_revocation *r, struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *res;
	pg_sql(&q, "SELECT status, requester FROM certificates WHERE serial = ");
	pg_text(&q, r->serial);
	pg_sql(&q, " FOR UPDATE");
	enum ca_err rc = pg_run(c, &q, &res, err);
	if (rc != CA_OK)
		return rc;
	if (PQntuples(res) == 0)
		rc = ca_fail(err, CA_ERR_NOT_FOUND, "no certificate with serial %s", r->serial);
	else if (r->expected_requester != NULL &&
		 strcmp(pg_str(res, 0, 1), r->expected_requester) != 0)
		rc = ca_fail(err, CA_ERR_FORBIDDEN, "certificate %s has another requester",
			     r->serial);
	else if (strcmp(pg_str(res, 0, 0), "revoked") == 0)
		rc = ca_fail(err, CA_ERR_ALREADY_REVOKED, "certificate %s is already revoked",
			     r->serial);
	PQclear(res);
	return rc;
}

static enum ca_err revoke_write(PGconn *c, const struct store_revocation *r, struct ca_error *err)
{
	/* The counter first: the row keeps the generation it raised it to
	 * (revoked_gen, what a delta CRL reads; SQLite's trigger does the same). */
	struct pg_query q = {0};
	enum ca_err rc =
	    pg_exec(c, "UPDATE revocation_state SET generation = generation + 1 WHERE id = 1", err);
	pg_sql(&q, "UPDATE certificates SET status = 'revoked', revoked_at = ");
	pg_int(&q, r->at);
	pg_sql(&q, ", revocation_reason = ");
	pg_int(&q, (int64_t)r->reason);
	pg_sql(&q, ", revoked_gen = (SELECT generation FROM revocation_state WHERE id = 1) "
		   "WHERE serial = ");
	pg_text(&q, r->serial);
	pg_sql(&q, " AND status = 'valid'");
	if (rc == CA_OK)
		rc = pg_run(c, &q, NULL, err);
	if (rc == CA_OK)
		rc = pg_event_insert(c, r->at, "revoke", r->serial, r->actor,
				     ca_reason_name(r->reason));
	if (rc == CA_OK)
		rc = pg_exec(c, "NOTIFY " PG_CHANNEL ", 'revoke'", err);
	if (rc != CA_OK && rc != CA_ERR_UNAVAILABLE)
		rc = ca_fail(err, CA_ERR_STORE, "the revocation could not be recorded");
	return rc;
}

enum ca_err pg_revoke(struct store *base, const struct store_revocation *r, struct ca_error *err)
{
	struct pg_store *s = pg_of(base);
	if (ca_reason_name(r->reason) == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "revocation reason %d is not one",
			       (int)r->reason);
	struct pg_conn *c = pg_get(s, err);
	if (c == NULL)
		return CA_ERR_UNAVAILABLE;
	enum ca_err rc = pg_begin(c->db, err);
	if (rc == CA_OK) {
		if ((rc = revoke_check(c->db, r, err)) == CA_OK)
			rc = revoke_write(c->db, r, err);
		rc = pg_end(c->db, rc, err);
	}
	pg_put(s, c);
	return rc;
}

/* The rows of a revoked-list query (serial, revoked_at, reason) into *out
 * (malloc'd, *n of them); r is cleared. */
static enum ca_err revoked_rows(PGresult *r, struct crl_entry **out, size_t *n,
				struct ca_error *err)
{
	enum ca_err rc = CA_OK;
	int rows = PQntuples(r), cnt = 0;
	struct crl_entry *v = malloc(((size_t)rows + 1) * sizeof(*v));
	if (v == NULL)
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
	for (int i = 0; rc == CA_OK && i < rows; i++) {
		const char *hex = pg_str(r, i, 0);
		v[cnt].revoked_at = pg_num(r, i, 1);
		if ((rc = rows_serial_bytes(hex, &v[cnt], err)) == CA_OK &&
		    (rc = rows_reason((int)pg_num(r, i, 2), hex, &v[cnt].reason, err)) == CA_OK)
			cnt++;
	}
	PQclear(r);
	if (rc != CA_OK) {
		free(v);
		return rc;
	}
	*out = v;
	*n = (size_t)cnt;
	return CA_OK;
}

enum ca_err pg_revoked_list(struct store *base, int64_t now, struct crl_entry **out, size_t *n,
			    struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "SELECT serial, revoked_at, revocation_reason FROM certificates "
		   "WHERE status = 'revoked' AND not_after >= ");
	pg_int(&q, now);
	pg_sql(&q, " ORDER BY serial COLLATE \"C\"");
	enum ca_err rc = pooled(pg_of(base), &q, &r, err);
	if (rc != CA_OK)
		return rc;
	return revoked_rows(r, out, n, err);
}

/* The revocations after generation (revoked_gen > it) of certificates not
 * yet expired at now, in serial order: a delta CRL's entries. */
enum ca_err pg_revoked_since(struct store *base, int64_t generation, int64_t now,
			     struct crl_entry **out, size_t *n, struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "SELECT serial, revoked_at, revocation_reason FROM certificates "
		   "WHERE revoked_gen > ");
	pg_int(&q, generation);
	pg_sql(&q, " AND not_after >= ");
	pg_int(&q, now);
	pg_sql(&q, " ORDER BY serial COLLATE \"C\"");
	enum ca_err rc = pooled(pg_of(base), &q, &r, err);
	if (rc != CA_OK)
		return rc;
	return revoked_rows(r, out, n, err);
}

enum ca_err pg_status(struct store *base, const char *serial, struct store_status *o,
		      struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	memset(o, 0, sizeof(*o));
	pg_sql(&q, "SELECT status, revoked_at, revocation_reason, not_after FROM certificates "
		   "WHERE serial = ");
	pg_text(&q, serial);
	enum ca_err rc = pooled(pg_of(base), &q, &r, err);
	if (rc != CA_OK)
		return rc;
	if (PQntuples(r) == 1) {
		o->found = true;
		o->revoked = strcmp(pg_str(r, 0, 0), "revoked") == 0;
		o->revoked_at = pg_num(r, 0, 1);
		o->not_after = pg_num(r, 0, 3);
		if (o->revoked)
			rc = rows_reason((int)pg_num(r, 0, 2), serial, &o->reason, err);
	}
	PQclear(r);
	return rc;
}

enum ca_err pg_revocation_gen(struct store *base, int64_t *gen)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "SELECT generation FROM revocation_state WHERE id = 1");
	enum ca_err rc = pooled(pg_of(base), &q, &r, NULL);
	if (rc != CA_OK)
		return rc;
	if (PQntuples(r) == 1)
		*gen = pg_num(r, 0, 0);
	else
		rc = CA_ERR_STORE;
	PQclear(r);
	return rc;
}

/* ---- CRL state ---- */

enum ca_err pg_crl_get(struct store *base, int64_t generation, int64_t built_after,
		       struct store_crl *out)
{
	struct pg_query q = {0};
	PGresult *r;
	memset(out, 0, sizeof(*out));
	out->generation = -1;
	pg_sql(&q, "SELECT number, CASE WHEN generation = ");
	pg_int(&q, generation);
	pg_sql(&q, " AND this_update > ");
	pg_int(&q, built_after);
	pg_sql(&q, " THEN der END, this_update, next_update, generation, base_number, "
		   "base_generation, base_this_update FROM crl_state WHERE id = 1");
	enum ca_err rc = pooled(pg_of(base), &q, &r, NULL);
	if (rc != CA_OK)
		return rc;
	if (PQntuples(r) == 1) {
		out->number = (uint64_t)pg_num(r, 0, 0);
		out->this_update = pg_num(r, 0, 2);
		out->next_update = pg_num(r, 0, 3);
		out->generation = pg_num(r, 0, 4);
		out->base_number = (uint64_t)pg_num(r, 0, 5);
		out->base_generation = pg_num(r, 0, 6);
		out->base_this_update = pg_num(r, 0, 7);
		if (!PQgetisnull(r, 0, 1)) {
			/* empty: none recorded (a copy of a SQLite CA whose file was gone) */
			size_t n = 0;
			unsigned char *d =
			    PQunescapeBytea((const unsigned char *)pg_str(r, 0, 1), &n);
			if (d == NULL || (n > 0 && (out->der = malloc(n)) == NULL)) {
				rc = CA_ERR_NOMEM;
			} else if (n > 0) {
				memcpy(out->der, d, n);
				out->len = n;
			}
			PQfreemem(d);
		}
	}
	PQclear(r);
	return rc;
}

enum ca_err pg_crl_number(struct store *base, uint64_t *number)
{
	struct pg_query q = {0};
	PGresult *r;
	*number = 0;
	pg_sql(&q, "SELECT number FROM crl_state WHERE id = 1");
	enum ca_err rc = pooled(pg_of(base), &q, &r, NULL);
	if (rc != CA_OK)
		return rc;
	if (PQntuples(r) == 1)
		*number = (uint64_t)pg_num(r, 0, 0);
	PQclear(r);
	return CA_OK;
}

/*
 * Compare and set on the number: the row is written only when it holds
 * c->number - 1 (or there is none yet). Under READ COMMITTED a second
 * node's statement waits for the first's row lock and then sees the new
 * number, so exactly one of two builders of the same number wins.
 */
static enum ca_err crl_cas(PGconn *db, const struct store_crl *c, bool *won, struct ca_error *err)
{
	struct pg_query q = {0};
	PGresult *r;
	pg_sql(&q, "INSERT INTO crl_state (id, number, der, this_update, next_update, "
		   "generation, base_number, base_generation, base_this_update) VALUES (1, ");
	pg_int(&q, (int64_t)c->number);
	pg_sql(&q, ", ");
	pg_bytes(&q, c->der, c->len);
	pg_sql(&q, ", ");
	pg_int(&q, c->this_update);
	pg_sql(&q, ", ");
	pg_int(&q, c->next_update);
	pg_sql(&q, ", ");
	pg_int(&q, c->generation);
	pg_sql(&q, ", ");
	pg_int(&q, (int64_t)c->base_number);
	pg_sql(&q, ", ");
	pg_int(&q, c->base_generation);
	pg_sql(&q, ", ");
	pg_int(&q, c->base_this_update);
	pg_sql(&q, ") ON CONFLICT (id) DO UPDATE SET number = EXCLUDED.number, der = "
		   "EXCLUDED.der, this_update = EXCLUDED.this_update, next_update = "
		   "EXCLUDED.next_update, generation = EXCLUDED.generation, base_number = "
		   "EXCLUDED.base_number, base_generation = EXCLUDED.base_generation, "
		   "base_this_update = EXCLUDED.base_this_update WHERE crl_state.number = "
		   "EXCLUDED.number - 1");
	enum ca_err rc = pg_run(db, &q, &r, err);
	if (rc != CA_OK)
		return rc;
	*won = pg_changes(r) == 1;
	PQclear(r);
	if (*won)
		rc = pg_exec(db, "NOTIFY " PG_CHANNEL ", 'crl'", err);
	return rc;
}

enum ca_err pg_crl_put(struct store *base, const struct store_crl *c)
{
	struct pg_store *s = pg_of(base);
	struct pg_conn *cn = pg_get(s, NULL);
	bool won = false;
	if (cn == NULL)
		return CA_ERR_UNAVAILABLE;
	enum ca_err rc = pg_begin(cn->db, NULL);
	if (rc == CA_OK)
		rc = pg_end(cn->db, crl_cas(cn->db, c, &won, NULL), NULL);
	pg_put(s, cn);
	if (rc != CA_OK)
		return rc;
	return won ? CA_OK : CA_ERR_EXISTS;
}
