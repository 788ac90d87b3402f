/*
 * The code in this file implements the SQLite store's certificates,
 * revocations and event log (sqlite_int.h). Listing and search are in
 * sqlite_search.c, tokens in sqlite_tokens.c, the CRL state in
 * sqlite_crl.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "errors.h"
#include "sqlite_int.h"

static struct sq_sql q_cert_put =
    SQ_SQL("INSERT INTO certificates (serial, subject, dns_names, ip_addresses, not_before, "
	   "not_after, profile, requester, fingerprint_sha256, der, created_at) VALUES "
	   "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
static struct sq_sql q_event =
    SQ_SQL("INSERT INTO events (at, kind, serial, actor, detail, cert) VALUES (?1,?2,?3,?4,?5,"
	   "(SELECT rowid FROM certificates WHERE serial = ?3))");
static struct sq_sql q_event_list =
    SQ_SQL("SELECT at, kind, serial, actor, detail FROM events ORDER BY id DESC LIMIT ?1");
static struct sq_sql q_cert_get =
    SQ_SQL("SELECT " SQ_CERT_COLS ", der FROM certificates WHERE serial = ?1");
static struct sq_sql q_status = SQ_SQL("SELECT status, revoked_at, revocation_reason, "
				       "not_after FROM certificates WHERE serial = ?1");
static struct sq_sql q_revoke_get =
    SQ_SQL("SELECT status, requester FROM certificates WHERE serial = ?1");
static struct sq_sql q_revoke_set =
    SQ_SQL("UPDATE certificates SET status = 'revoked', revoked_at = ?2, "
	   "revocation_reason = ?3 WHERE serial = ?1 AND status = 'valid'");
static struct sq_sql q_revoked_list =
    /* INDEXED BY: the covering index in serial order (010_crl_list.sql)
     * reads no table row and sorts nothing; SQLite's own choice, the
     * (status, not_after) index, reads every revoked row's DER and sorts a
     * million serials. */
    SQ_SQL("SELECT serial, revoked_at, revocation_reason FROM certificates "
	   "INDEXED BY certificates_revoked_list "
	   "WHERE status = 'revoked' AND not_after >= ?1 ORDER BY serial");
static struct sq_sql q_revoked_since =
    /* INDEXED BY: without it SQLite walks the serial index of every
     * certificate to spare a sort, and a delta costs the whole table. */
    SQ_SQL("SELECT serial, revoked_at, revocation_reason FROM certificates "
	   "INDEXED BY certificates_revoked_gen "
	   "WHERE revoked_gen > ?2 AND not_after >= ?1 ORDER BY serial");
static struct sq_sql q_revocation_gen =
    SQ_SQL("SELECT generation FROM revocation_state WHERE id = 1");

/* ---- events ---- */

enum ca_err sq_event_insert(struct sq_store *s, int64_t at, const char *kind, const char *serial,
			    const char *actor, const char *detail)
{
	sqlite3_stmt *st = sq_stmt(s, &q_event, NULL);
	if (st == NULL)
		return CA_ERR_STORE;
	sqlite3_bind_int64(st, 1, at);
	sq_bind_text(st, 2, kind);
	if (serial != NULL)
		sq_bind_text(st, 3, serial);
	sq_bind_text(st, 4, actor ? actor : "cli");
	sq_bind_text(st, 5, detail ? detail : "");
	int r = sqlite3_step(st);
	sq_done(st);
	return r == SQLITE_DONE ? CA_OK : CA_ERR_STORE;
}

/* An event queued for the writer, its strings after it in one block. */
struct event_job {
	struct sq_job job;
	int64_t at;
	const char *kind, *serial, *actor, *detail;
};

static enum ca_err run_event(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const struct event_job *e = arg;
	(void)err;
	return sq_event_insert(s, e->at, e->kind, e->serial, e->actor, e->detail);
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

enum ca_err sq_event(struct store *base, int64_t at, const char *kind, const char *serial,
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
	return sq_submit_async(sq_of(base), &e->job);
}

static enum ca_err event_row(sqlite3_stmt *st, struct store_event_row *r)
{
	bool ok = true;
	r->at = sqlite3_column_int64(st, 0);
	r->kind = sq_col_dup(st, 1, &ok);
	r->serial = sq_col_dup(st, 2, &ok);
	r->actor = sq_col_dup(st, 3, &ok);
	r->detail = sq_col_dup(st, 4, &ok);
	return ok ? CA_OK : CA_ERR_NOMEM;
}

enum ca_err sq_event_list(struct store *base, size_t limit, struct store_event_row **out, size_t *n,
			  struct ca_error *err)
{
	struct sq_store *s = sq_of(base);
	struct sq_job barrier = {0}; /* the events queued before now, committed */
	if (limit == 0 || limit > 10000)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "limit must be between 1 and 10000");
	if (sq_submit(s, &barrier) != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the queued events could not be committed");
	sqlite3_stmt *st = sq_stmt(s, &q_event_list, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	struct store_event_row *v = calloc(limit, sizeof(*v));
	size_t cnt = 0;
	enum ca_err rc = v != NULL ? CA_OK : CA_ERR_NOMEM;
	int r = SQLITE_DONE;
	sqlite3_bind_int64(st, 1, (int64_t)limit);
	while (rc == CA_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = event_row(st, &v[cnt++]);
	if (rc == CA_OK && r != SQLITE_DONE)
		rc = CA_ERR_STORE;
	sq_done(st);
	if (rc != CA_OK) {
		store_event_list_free(v, cnt);
		return ca_fail(err, rc, "the event log could not be read");
	}
	*out = v;
	*n = cnt;
	return CA_OK;
}

/* ---- certificates ---- */

static void bind_cert(sqlite3_stmt *st, const struct ca_cert *c, const char *dns, const char *ips)
{
	sq_bind_text(st, 1, c->serial);
	sq_bind_text(st, 2, c->subject);
	sq_bind_text(st, 3, dns);
	sq_bind_text(st, 4, ips);
	sqlite3_bind_int64(st, 5, c->not_before);
	sqlite3_bind_int64(st, 6, c->not_after);
	sq_bind_text(st, 7, ca_profile_name(c->profile));
	sq_bind_text(st, 8, c->requester);
	sq_bind_text(st, 9, c->fingerprint_sha256);
	sqlite3_bind_blob(st, 10, c->der, (int)c->der_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, c->created_at);
}

/* A writer job: insert one certificate and its 'issue' event. */
static enum ca_err run_cert_put(struct sq_store *s, const void *arg, struct ca_error *err)
{
	const struct ca_cert *c = arg;
	enum ca_err rc = CA_ERR_NOMEM;
	char *dns = rows_join(c->dns_names, c->n_dns, ',');
	char *ips = rows_join(c->ip_addresses, c->n_ip, ',');
	sqlite3_stmt *st;
	(void)err;
	if (dns == NULL || ips == NULL)
		goto out;
	rc = CA_ERR_STORE;
	if (c->der_len > INT32_MAX || (st = sq_stmt(s, &q_cert_put, NULL)) == NULL)
		goto out;
	bind_cert(st, c, dns, ips);
	int r = sqlite3_step(st);
	sq_done(st);
	if (r == SQLITE_CONSTRAINT)
		rc = CA_ERR_EXISTS;
	else if (r == SQLITE_DONE)
		/* A validity cut to the CA's end (clamp_to_ca) is said in the record. */
		rc = sq_event_insert(s, c->created_at, c->clamped ? "issue-clamped" : "issue",
				     c->serial, c->requester, dns);
out:
	free(dns);
	free(ips);
	return rc;
}

enum ca_err sq_cert_put(struct store *base, const struct ca_cert *c, struct ca_error *err)
{
	struct sq_job j = {.run = run_cert_put, .arg = c, .err = err};
	enum ca_err rc = sq_submit(sq_of(base), &j);
	if (rc == CA_ERR_EXISTS)
		return ca_fail(err, rc, "serial %s is taken", c->serial);
	if (rc == CA_ERR_UNAVAILABLE)
		return rc; /* sq_fault said why, and that nothing was written */
	if (rc != CA_OK)
		return ca_fail(err, rc,
			       "the certificate could not be recorded; nothing was issued");
	return CA_OK;
}

enum ca_err sq_cert_get(struct store *base, const char *serial, int64_t now, struct ca_cert **out,
			struct ca_error *err)
{
	sqlite3_stmt *st = sq_stmt(sq_of(base), &q_cert_get, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	sq_bind_text(st, 1, serial);
	int r = sqlite3_step(st);
	enum ca_err rc;
	if (r == SQLITE_ROW) {
		struct rows_cert_cols k;
		sq_cert_cols(st, &k, true);
		rc = rows_cert(&k, true, now, out, err);
	} else if (r == SQLITE_DONE) {
		rc = ca_fail(err, CA_ERR_NOT_FOUND, "no certificate with serial %s", serial);
	} else {
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
	}
	sq_done(st);
	return rc;
}

void sq_cert_cols(sqlite3_stmt *st, struct rows_cert_cols *k, bool with_der)
{
	k->serial = sq_col_text(st, 0);
	k->subject = sq_col_text(st, 1);
	k->dns = sq_col_text(st, 2);
	k->ips = sq_col_text(st, 3);
	k->not_before = sqlite3_column_int64(st, 4);
	k->not_after = sqlite3_column_int64(st, 5);
	k->profile = sq_col_text(st, 6);
	k->requester = sq_col_text(st, 7);
	k->fingerprint = sq_col_text(st, 8);
	k->status = sq_col_text(st, 9);
	k->revoked_at = sqlite3_column_int64(st, 10);
	k->reason = sqlite3_column_int(st, 11);
	k->created_at = sqlite3_column_int64(st, 12);
	k->der = with_der ? sqlite3_column_blob(st, 13) : NULL;
	k->der_len = with_der ? (size_t)sqlite3_column_bytes(st, 13) : 0;
}

/* ---- revocation ---- */

/* Inside the transaction: may r be recorded? */
static enum ca_err revoke_check(struct sq_store *s, const struct store_revocation *r,
				struct ca_error *err)
{
	sqlite3_stmt *st = sq_stmt(s, &q_revoke_get, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database failed");
	sq_bind_text(st, 1, r->serial);
	int x = sqlite3_step(st);
	enum ca_err rc = CA_OK;
	if (x == SQLITE_DONE)
		rc = ca_fail(err, CA_ERR_NOT_FOUND, "no certificate with serial %s", r->serial);
	else if (x != SQLITE_ROW)
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
	else if (r->expected_requester != NULL &&
		 strcmp(sq_col_text(st, 1), r->expected_requester) != 0)
		rc = ca_fail(err, CA_ERR_FORBIDDEN, "certificate %s has another requester",
			     r->serial);
	else if (strcmp(sq_col_text(st, 0), "revoked") == 0)
		rc = ca_fail(err, CA_ERR_ALREADY_REVOKED, "certificate %s is already revoked",
			     r->serial);
	sq_done(st);
	return rc;
}

static enum ca_err revoke_write(struct sq_store *s, const struct store_revocation *r,
				struct ca_error *err)
{
	sqlite3_stmt *st = sq_stmt(s, &q_revoke_set, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database failed");
	sq_bind_text(st, 1, r->serial);
	sqlite3_bind_int64(st, 2, r->at);
	sqlite3_bind_int(st, 3, (int)r->reason);
	int x = sqlite3_step(st);
	sq_done(st);
	if (x != SQLITE_DONE || sq_event_insert(s, r->at, "revoke", r->serial, r->actor,
						ca_reason_name(r->reason)) != CA_OK)
		return ca_fail(err, CA_ERR_STORE, "the revocation could not be recorded");
	return CA_OK;
}

/* On the caller's connection: the check reads what the update writes. */
enum ca_err sq_revoke(struct store *base, const struct store_revocation *r, struct ca_error *err)
{
	struct sq_store *s = sq_of(base);
	struct sq_conn *c = sq_conn(s);
	if (c == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	if (ca_reason_name(r->reason) == NULL)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "revocation reason %d is not one",
			       (int)r->reason);
	enum ca_err rc = sq_begin(c, err);
	if (rc != CA_OK)
		return rc;
	c->watch_valid = false;
	if ((rc = revoke_check(s, r, err)) == CA_OK)
		rc = revoke_write(s, r, err);
	return sq_end(c, rc, err);
}

/* The rows of st (serial, revoked_at, reason) as CRL entries; *out
 * malloc'd. st is reset. */
static enum ca_err revoked_rows(sqlite3_stmt *st, struct crl_entry **out, size_t *n,
				struct ca_error *err)
{
	size_t cap = 1024, cnt = 0;
	struct crl_entry *v = malloc(cap * sizeof(*v));
	enum ca_err rc = v != NULL ? CA_OK : ca_fail(err, CA_ERR_NOMEM, "out of memory");
	int r = SQLITE_DONE;
	while (rc == CA_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			struct crl_entry *nv = realloc(v, 2 * cap * sizeof(*v));
			if (nv == NULL) {
				rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
				break;
			}
			v = nv;
			cap *= 2;
		}
		const char *hex = sq_col_text(st, 0);
		v[cnt].revoked_at = sqlite3_column_int64(st, 1);
		if ((rc = rows_serial_bytes(hex, &v[cnt], err)) == CA_OK &&
		    (rc = rows_reason(sqlite3_column_int(st, 2), hex, &v[cnt].reason, err)) ==
			CA_OK)
			cnt++;
	}
	if (rc == CA_OK && r != SQLITE_DONE)
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
	sq_done(st);
	if (rc != CA_OK) {
		free(v);
		return rc;
	}
	*out = v;
	*n = cnt;
	return CA_OK;
}

enum ca_err sq_revoked_list(struct store *base, int64_t now, struct crl_entry **out, size_t *n,
			    struct ca_error *err)
{
	sqlite3_stmt *st = sq_stmt(sq_of(base), &q_revoked_list, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	sqlite3_bind_int64(st, 1, now);
	return revoked_rows(st, out, n, err);
}

enum ca_err sq_revoked_explain(struct store *base, char **out, struct ca_error *err)
{
	return sq_explain_sql(base, q_revoked_list.text, "revoked", out, err);
}

enum ca_err sq_revoked_since(struct store *base, int64_t generation, int64_t now,
			     struct crl_entry **out, size_t *n, struct ca_error *err)
{
	sqlite3_stmt *st = sq_stmt(sq_of(base), &q_revoked_since, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, generation);
	return revoked_rows(st, out, n, err);
}

enum ca_err sq_status(struct store *base, const char *serial, struct store_status *o,
		      struct ca_error *err)
{
	sqlite3_stmt *st = sq_stmt(sq_of(base), &q_status, NULL);
	if (st == NULL)
		return ca_fail(err, CA_ERR_STORE, "the database does not answer");
	sq_bind_text(st, 1, serial);
	int r = sqlite3_step(st);
	enum ca_err rc = CA_OK;
	memset(o, 0, sizeof(*o));
	if (r == SQLITE_ROW) {
		o->found = true;
		o->revoked = strcmp(sq_col_text(st, 0), "revoked") == 0;
		o->revoked_at = sqlite3_column_int64(st, 1);
		o->not_after = sqlite3_column_int64(st, 3);
		if (o->revoked)
			rc = rows_reason(sqlite3_column_int(st, 2), serial, &o->reason, err);
	} else if (r != SQLITE_DONE) {
		rc = ca_fail(err, CA_ERR_STORE, "the database failed");
	}
	sq_done(st);
	return rc;
}

enum ca_err sq_revocation_gen(struct store *base, int64_t *gen)
{
	return sq_int64(sq_of(base), &q_revocation_gen, gen) == SQLITE_ROW ? CA_OK : CA_ERR_STORE;
}
