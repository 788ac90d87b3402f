/*
 * The code in this file implements privca init (ca_init): a new CA
 * directory with its key, its self-signed certificate, privca.conf, an
 * empty database and the server's TLS pair. A failed init leaves nothing
 * of what it wrote and everything it found.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "crypto/keyfile.h"
#include "x509/dn.h"
#include "file.h"
#include "hierarchy/root.h"
#include "hierarchy/tiers.h"
#include "internal.h"
#include "tls.h"

#define DEFAULT_SUBJECT		"CN=privca demo CA,O=privca"
#define DEFAULT_ISSUING_SUBJECT "CN=privca demo Issuing CA,O=privca"

static const char *const init_files[] = {
    "ca.key",	"ca.pem",   "tls.key",	 "tls.pem", "privca.db",     "privca.conf",  "root.key",
    "root.pem", "root.crl", "chain.pem", "ca.csr",  "privca.db-wal", "privca.db-shm"};
#define N_FOUND 11 /* the first eleven are refused when found; all are removed on failure */

/* The arguments and the directory, before anything is written. */
static enum ca_err init_check(const char *dir, const char *base, int days, struct ca_error *err)
{
	char path[PATH_MAX];
	enum ca_err rc = conf_url_check(base, err);
	if (rc != CA_OK)
		return rc;
	if (days < 1 || days > 36500)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "the CA's validity must be from 1 to 36500 days");
	/* Any of the files there already: refused, so that a failed init,
	 * which removes what it wrote, never removes what it found. */
	for (size_t i = 0; i < N_FOUND; i++) {
		if (file_path(path, dir, init_files[i], err) != CA_OK)
			return CA_ERR_IO;
		if (access(path, F_OK) == 0)
			return ca_fail(
			    err, CA_ERR_EXISTS,
			    i < 2 ? "%s already holds a CA (%s exists); privca init never "
				    "overwrites one"
				  : "%s already holds %s; privca init needs a directory "
				    "without a CA's files (move it away, or restore the CA "
				    "whole)",
			    dir, init_files[i]);
	}
	return CA_OK;
}

/*
 * A new key k (keyfile.h: in memory, or in a token and then *uri names it)
 * and its self-signed certificate *der (free()) for subj.
 */
static enum ca_err init_root(const struct ca_init_opts *o, const uint8_t *subj, size_t subj_len,
			     int days, struct signer **k, char **uri, uint8_t **der,
			     size_t *der_len, struct ca_error *err)
{
	enum ca_err rc = keyfile_generate(o, k, uri, err);
	if (rc != CA_OK)
		return rc;
	return hier_self_sign(*k, subj, subj_len, days, der, der_len, err);
}

/* The store url (init --store): schema brought up, and no CA's
 * certificates in it yet (a second init must not join another CA's). */
static enum ca_err init_store_url(const char *url, struct ca_error *err)
{
	struct store *st;
	struct ca_counts n;
	enum ca_err rc = store_open(url, true, &st, err);
	if (rc != CA_OK)
		return rc;
	if ((rc = store_count(st, 0, &n, err)) == CA_OK && n.valid + n.revoked + n.expired > 0)
		rc = ca_fail(err, CA_ERR_EXISTS,
			     "the store already holds %llu certificates of a CA: a new CA needs "
			     "an empty database (another node of that CA copies its DIR instead)",
			     (unsigned long long)(n.valid + n.revoked + n.expired));
	store_close(st);
	return rc;
}

/* ca.key (in the form o asks for), ca.pem, privca.conf and an empty
 * privca.db in dir (or the store at o->store). */
static enum ca_err init_write(const char *dir, const struct ca_init_opts *o, const char *base,
			      const struct signer *k, const char *uri, const uint8_t *der,
			      size_t der_len, struct ca_error *err)
{
	char path[PATH_MAX];
	struct conf c = {0};
	struct store *st;
	const char *store_url = o->store;
	enum ca_err rc;
	/* The store first: a database that is not privca's leaves no file. */
	if (store_url != NULL && (rc = init_store_url(store_url, err)) != CA_OK)
		return rc;
	if ((rc = file_path(path, dir, "ca.key", err)) != CA_OK ||
	    (rc = keyfile_save(o, k, uri, path, err)) != CA_OK)
		return rc;
	if (der != NULL && /* a subordinate's ca.pem comes with install-ca */
	    ((rc = file_path(path, dir, "ca.pem", err)) != CA_OK ||
	     (rc = file_write_cert(path, der, der_len, false, err)) != CA_OK))
		return rc;
	if ((rc = conf_defaults(&c, err)) == CA_OK &&
	    (rc = conf_set_base_url(&c, base, err)) == CA_OK &&
	    (store_url == NULL || (rc = conf_set_store(&c, store_url, err)) == CA_OK) &&
	    (rc = file_path(path, dir, "privca.conf", err)) == CA_OK)
		rc = conf_write(path, &c, err);
	conf_free(&c);
	if (rc != CA_OK || store_url != NULL)
		return rc;
	/* The database is made 0600 first: SQLite keeps a file's mode, and its
	 * -wal and -shm files take the database's. */
	if ((rc = file_path(path, dir, "privca.db", err)) != CA_OK ||
	    (rc = file_write_new(path, 0600, "", 0, err)) != CA_OK ||
	    (rc = store_open(path, true, &st, err)) != CA_OK)
		return rc;
	store_close(st);
	return CA_OK;
}

enum ca_err ca_init(const char *dir, const struct ca_init_opts *o, struct ca_error *err)
{
	char path[PATH_MAX];
	struct signer *k = NULL;
	char *uri = NULL; /* the pkcs11: URI of a key in a token */
	uint8_t *subj = NULL, *der = NULL;
	size_t subj_len, der_len;
	struct ca *ca = NULL;
	struct name *tls = NULL; /* the TLS certificate's names */
	size_t ntls = 0;
	struct nc *nc = NULL; /* name constraints of the issuing CA */
	bool created = false, made_dir = false;
	const char *base = o->base_url ? o->base_url : CONF_DEFAULT_URL;
	int days = o->days ? o->days : CA_ROOT_DAYS;

	/* The arguments first: a bad one leaves the file system untouched. */
	enum ca_err rc = init_check(dir, base, days, err);
	if (rc != CA_OK)
		return rc;
	if ((rc = hier_init_check(o, &nc, err)) != CA_OK)
		return rc;
	if ((rc = tls_names(o, &tls, &ntls, err)) != CA_OK ||
	    (rc = hier_tls_filter(nc, 3, tls, &ntls, err)) != CA_OK ||
	    (rc = dn_from_string(o->subject		  ? o->subject
				 : o->tier == CA_TIER_ONE ? DEFAULT_SUBJECT
							  : DEFAULT_ISSUING_SUBJECT,
				 &subj, &subj_len, err)) != CA_OK)
		goto out;
	if (mkdir(dir, 0700) == 0) {
		made_dir = true;
	} else if (errno != EEXIST) {
		rc = ca_fail(err, CA_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	created = true; /* from here a failure removes what init wrote */
	if (o->tier == CA_TIER_TWO)
		rc = hier_init_two_tier(dir, o, nc, subj, subj_len, days, &k, &uri, &der, &der_len,
					err);
	else if (o->tier == CA_TIER_SUBORDINATE)
		rc = hier_init_subordinate(dir, o, nc, subj, subj_len, &k, &uri, err);
	else
		rc = init_root(o, subj, subj_len, days, &k, &uri, &der, &der_len, err);
	if (rc != CA_OK || (rc = init_write(dir, o, base, k, uri, der, der_len, err)) != CA_OK)
		goto out;
	signer_close(k); /* a token allows one session per process (signer_pkcs11.h) */
	k = NULL;
	if (o->tier == CA_TIER_SUBORDINATE)
		goto out; /* install-ca opens it, once its certificate is back */
	struct ca_open_opts oo = {.key_pass_file = o->key_pass_file};
	if ((rc = ca_open_ex(dir, &oo, &ca, err)) != CA_OK)
		goto out;
	rc = tls_init(ca, o, tls, ntls, err);
out:
	ca_close(ca);
	if (rc != CA_OK && created) {
		/* Leave no half-made CA behind: a rerun must not be refused. */
		for (size_t i = 0; i < sizeof(init_files) / sizeof(init_files[0]); i++)
			if (file_path(path, dir, init_files[i], NULL) == CA_OK)
				unlink(path);
	}
	if (rc != CA_OK && made_dir)
		rmdir(dir); /* only if empty: never what was there before */
	signer_close(k);
	free(uri);
	free(nc);
	free(tls);
	free(subj);
	free(der);
	return rc;
}
