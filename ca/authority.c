/*
 * The code in this file implements the struct ca lifecycle: privca init
 * (key, root, TLS certificate, database, settings) and ca_open/ca_close,
 * plus the CA's own certificate and its derived forms.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "der.h"
#include "dn.h"
#include "internal.h"
#include "oid.h"
#include "policy.h"

#define DEFAULT_SUBJECT "CN=privca demo CA,O=privca"
#define DEFAULT_URL	"http://127.0.0.1:8080"
#define SKEW		300 /* notBefore is backdated this much for clock skew */

static int64_t system_now(void *arg)
{
	(void)arg;
	return (int64_t)time(NULL);
}

int64_t ca_now(const struct ca *ca)
{
	return ca->now(ca->now_arg);
}

void ca_set_clock(struct ca *ca, int64_t (*now)(void *arg), void *arg)
{
	ca->now = now ? now : system_now;
	ca->now_arg = arg;
}

const struct ca_settings *ca_settings(const struct ca *ca)
{
	return &ca->settings;
}

const struct ca_root *ca_root(const struct ca *ca)
{
	return &ca->root;
}

void ca_time_rfc3339(int64_t t, char buf[21])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400, y;
	unsigned m, d;
	der_civil_from_days(days, &y, &m, &d);
	unsigned yy = y < 0 ? 0 : y > 9999 ? 9999 : (unsigned)y, s = (unsigned)secs;
	snprintf(buf, 21, "%04u-%02u-%02uT%02u:%02u:%02uZ", yy % 10000, m % 13, d % 32,
		 s / 3600 % 24, s / 60 % 60, s % 60);
}

/* dir + "/" + name into buf; false if it does not fit. */
static bool path_join(char *buf, size_t n, const char *dir, const char *name)
{
	int k = snprintf(buf, n, "%s/%s", dir, name);
	return k > 0 && (size_t)k < n;
}

/* path_join that says why it failed. */
static enum ca_err dir_file(char path[PATH_MAX], const char *dir, const char *name,
			    struct ca_error *err)
{
	if (!path_join(path, PATH_MAX, dir, name))
		return ca_fail(err, CA_ERR_IO, "the directory name '%s' is too long", dir);
	return CA_OK;
}

/* Read a whole (small) file; *out NUL-terminated, freed with free(). */
static enum ca_err read_file(const char *path, uint8_t **out, size_t *len, struct ca_error *err)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return ca_fail(err, CA_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	enum ca_err rc = CA_OK;
	while (buf != NULL) {
		if (n + 1 >= cap) {
			if (cap > (1u << 24)) {
				rc = ca_fail(err, CA_ERR_IO, "%s is too large", path);
				break;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0) {
			if (ferror(f))
				rc = ca_fail(err, CA_ERR_IO, "cannot read %s", path);
			break;
		}
	}
	fclose(f);
	if (buf == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	if (rc != CA_OK) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return CA_OK;
}

/* Create path (must not exist) with mode and write data durably. */
static enum ca_err write_new(const char *path, mode_t mode, const void *data, size_t n,
			     struct ca_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return ca_fail(err, errno == EEXIST ? CA_ERR_EXISTS : CA_ERR_IO,
			       "cannot create %s: %s", path, strerror(errno));
	const uint8_t *p = data;
	size_t off = 0;
	enum ca_err rc = CA_OK;
	while (off < n) {
		ssize_t w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = ca_fail(err, CA_ERR_IO, "cannot write %s: %s", path, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (rc == CA_OK && fsync(fd) != 0)
		rc = ca_fail(err, CA_ERR_IO, "cannot sync %s: %s", path, strerror(errno));
	if (close(fd) != 0 && rc == CA_OK)
		rc = ca_fail(err, CA_ERR_IO, "cannot close %s", path);
	if (rc != CA_OK)
		unlink(path);
	return rc;
}

/* Write a certificate as PEM to the new file dir/name (0644). */
static enum ca_err write_cert(const char *dir, const char *name, const uint8_t *der, size_t len,
			      struct ca_error *err)
{
	char path[PATH_MAX];
	enum ca_err rc = dir_file(path, dir, name, err);
	if (rc != CA_OK)
		return rc;
	char *pem = pem_encode("CERTIFICATE", der, len);
	if (pem == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	rc = write_new(path, 0644, pem, strlen(pem), err);
	free(pem);
	return rc;
}

enum ca_err ca_p7b(const uint8_t *const *certs, const size_t *lens, size_t n, uint8_t **out,
		   size_t *out_len)
{
	/* RFC 5652 5.1 degenerate SignedData: no signers, only certificates. */
	struct der_w w = {0};
	size_t ci = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_PKCS7_SIGNED_DATA, OID_LEN(OID_PKCS7_SIGNED_DATA));
	size_t x = der_begin(&w, DER_CTX_CONS(0));
	size_t sd = der_begin(&w, DER_SEQUENCE);
	der_uint(&w, 1);
	der_tlv(&w, DER_SET, NULL, 0); /* digestAlgorithms */
	size_t eci = der_begin(&w, DER_SEQUENCE);
	der_oid(&w, (const uint8_t *)OID_PKCS7_DATA, OID_LEN(OID_PKCS7_DATA));
	der_end(&w, eci);
	size_t cs = der_begin(&w, DER_CTX_CONS(0));
	for (size_t i = 0; i < n; i++)
		der_raw(&w, certs[i], lens[i]);
	der_end(&w, cs);
	der_tlv(&w, DER_SET, NULL, 0); /* signerInfos */
	der_end(&w, sd);
	der_end(&w, x);
	der_end(&w, ci);
	return der_finish(&w, out, out_len) ? CA_OK : CA_ERR_NOMEM;
}

/* The parts of a certificate the CA needs, pointing into der. */
struct cert_parts {
	struct der_elem issuer, subject, spki;
	struct der_elem exts; /* the [3] extensions; exts.len 0 if none */
	int64_t not_before, not_after;
};

static bool cert_parse(const uint8_t *der, size_t len, struct cert_parts *p)
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
	if (!der_expect(&t, DER_INTEGER, &e) || !der_expect(&t, DER_SEQUENCE, &e) ||
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

/* The DNS names and IP addresses of a certificate's subjectAltName. */
static enum ca_err cert_sans(const struct cert_parts *p, struct name **out, size_t *n,
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

/* ---- settings file ---- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static enum ca_err set_str(char **dst, const char *v)
{
	char *c = strdup(v);
	if (c == NULL)
		return CA_ERR_NOMEM;
	free(*dst);
	*dst = c;
	return CA_OK;
}

static enum ca_err conf_read(struct ca *ca, const char *path, struct ca_error *err)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return errno == ENOENT
			   ? CA_OK
			   : ca_fail(err, CA_ERR_IO, "cannot read %s: %s", path, strerror(errno));
	char line[1024];
	int lineno = 0;
	enum ca_err rc = CA_OK;
	while (rc == CA_OK && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		char *s = trim(line);
		if (*s == '#' || *s == '\0')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			rc = ca_fail(err, CA_ERR_BAD_REQUEST, "%s:%d: expected 'key = value'", path,
				     lineno);
			break;
		}
		*eq = '\0';
		char *k = trim(s), *v = trim(eq + 1);
		if (strcmp(k, "base_url") == 0) {
			size_t n = strlen(v);
			while (n > 0 && v[n - 1] == '/')
				v[--n] = '\0';
			rc = set_str(&ca->base_url, v);
		} else if (strcmp(k, "http") == 0) {
			rc = set_str(&ca->http_listen, v);
		} else if (strcmp(k, "https") == 0) {
			rc = set_str(&ca->https_listen, v);
		} else if (strcmp(k, "default_days") == 0 || strcmp(k, "max_days") == 0) {
			char *end;
			long d = strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0' || d < 1 || d > CA_MAX_DAYS) {
				rc = ca_fail(err, CA_ERR_BAD_REQUEST,
					     "%s:%d: %s must be a number of days from 1 to %d",
					     path, lineno, k, CA_MAX_DAYS);
				break;
			}
			if (k[0] == 'd')
				ca->settings.default_days = (int)d;
			else
				ca->settings.max_days = (int)d;
		} else if ((rc = acme_conf(ca, k, v, err)) == CA_ERR_NOT_FOUND) {
			rc = ca_fail(err, CA_ERR_BAD_REQUEST, "%s:%d: unknown setting '%s'", path,
				     lineno, k);
		} else if (rc != CA_OK) {
			char why[sizeof(err->detail)];
			snprintf(why, sizeof(why), "%s", err ? err->detail : "");
			rc = ca_fail(err, rc, "%s:%d: %s", path, lineno, why);
		}
	}
	fclose(f);
	if (rc == CA_OK && ca->settings.default_days > ca->settings.max_days)
		rc = ca_fail(err, CA_ERR_BAD_REQUEST, "%s: default_days is over max_days", path);
	return rc;
}

static enum ca_err conf_write(const char *path, const char *base_url, struct ca_error *err)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf),
			 "# privca settings, written by privca init. Flags on the command line\n"
			 "# override them.\n"
			 "\n"
			 "# Base URL of this CA as clients reach it: certificates point their\n"
			 "# CRL distribution point and OCSP/CA-issuer URLs here.\n"
			 "base_url = %s\n"
			 "\n"
			 "# Validity of issued certificates, in days.\n"
			 "default_days = %d\n"
			 "max_days = %d\n"
			 "\n"
			 "# Listen addresses.\n"
			 "http = 127.0.0.1:8080\n"
			 "https = 127.0.0.1:8443\n",
			 base_url, CA_DEFAULT_DAYS, CA_MAX_DAYS);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return ca_fail(err, CA_ERR_BAD_REQUEST, "the base URL is too long");
	return write_new(path, 0644, buf, (size_t)n, err);
}

/* ---- init ---- */

/* Names for the TLS certificate: localhost, 127.0.0.1, ::1 and extras. */
static enum ca_err tls_names(const struct ca_init_opts *o, struct name **out, size_t *n,
			     struct ca_error *err)
{
	size_t cap = 3 + o->nhostnames, k = 0;
	struct name *v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	const char *fixed[] = {"localhost", "127.0.0.1", "::1"};
	for (size_t i = 0; i < cap; i++) {
		const char *h = i < 3 ? fixed[i] : o->hostnames[i - 3];
		struct name nm;
		enum ca_err rc = name_parse(h, &nm, err);
		if (rc != CA_OK) {
			free(v);
			return rc;
		}
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			dup |= strcmp(v[j].text, nm.text) == 0;
		if (!dup)
			v[k++] = nm;
	}
	*out = v;
	*n = k;
	return CA_OK;
}

/* Issue the server's own TLS certificate (P-256 whatever the CA key) for
 * names (tls_names). */
static enum ca_err init_tls(struct ca *ca, const struct ca_init_opts *o, const struct name *names,
			    size_t nnames, struct ca_error *err)
{
	struct key *tk = NULL;
	uint8_t *spki = NULL, *subj = NULL;
	size_t spki_len, subj_len;
	char path[PATH_MAX];
	struct ca_cert *rec = NULL;
	enum ca_err rc;

	if ((rc = key_generate(CA_KEY_EC_P256, &tk, err)) != CA_OK)
		goto out;
	if ((rc = key_spki(tk, &spki, &spki_len)) != CA_OK) {
		rc = ca_fail(err, CA_ERR_CRYPTO, "cannot encode the TLS public key");
		goto out;
	}
	char cn[300];
	snprintf(cn, sizeof(cn), "CN=%s",
		 o->nhostnames > 0 ? names[3 < nnames ? 3 : 0].text : "localhost");
	if ((rc = dn_from_string(cn, &subj, &subj_len, err)) != CA_OK)
		goto out;
	struct leaf l = {
	    .subject = subj,
	    .subject_len = subj_len,
	    .spki = spki,
	    .spki_len = spki_len,
	    .names = names,
	    .nnames = nnames,
	    .profile = CA_PROFILE_SERVER,
	    .days = CA_DEFAULT_DAYS,
	    .requester = "init",
	};
	if ((rc = issue_leaf(ca, &l, &rec, err)) != CA_OK ||
	    (rc = dir_file(path, ca->dir, "tls.key", err)) != CA_OK ||
	    (rc = key_save(tk, path, err)) != CA_OK)
		goto out;
	rc = write_cert(ca->dir, "tls.pem", rec->der, rec->der_len, err);
out:
	ca_cert_free(rec);
	key_free(tk);
	free(spki);
	free(subj);
	return rc;
}

enum ca_err ca_init(const char *dir, const struct ca_init_opts *o, struct ca_error *err)
{
	static const char *const files[] = {"ca.key",  "ca.pem",    "tls.key",
					    "tls.pem", "privca.db", "privca.conf"};
	char path[PATH_MAX];
	struct key *k = NULL;
	uint8_t *subj = NULL, *spki = NULL, *der = NULL;
	size_t subj_len, spki_len, der_len;
	struct ca *ca = NULL;
	enum ca_err rc;
	bool created = false, made_dir = false;
	uint8_t serial[16], ski[20];

	/* The arguments first: a bad one leaves the file system untouched. */
	const char *base = o->base_url ? o->base_url : DEFAULT_URL;
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
		return ca_fail(err, CA_ERR_BAD_REQUEST,
			       "--url must start with http:// or https:// (got '%s')", base);
	int days = o->days ? o->days : CA_ROOT_DAYS;
	if (days < 1 || days > 36500)
		return ca_fail(err, CA_ERR_BAD_REQUEST, "--days must be from 1 to 36500");
	/* Any of the files there already: refused, so that a failed init,
	 * which removes what it wrote, never removes what it found. */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!path_join(path, sizeof(path), dir, files[i]))
			return ca_fail(err, CA_ERR_IO, "the directory name is too long");
		if (access(path, F_OK) == 0)
			return ca_fail(
			    err, CA_ERR_EXISTS,
			    i < 2 ? "%s already holds a CA (%s exists); privca init never "
				    "overwrites one"
				  : "%s already holds %s; privca init needs a directory "
				    "without a CA's files (move it away, or restore the CA "
				    "whole)",
			    dir, files[i]);
	}
	struct name *tls = NULL; /* the TLS certificate's names */
	size_t ntls = 0;
	if ((rc = tls_names(o, &tls, &ntls, err)) != CA_OK ||
	    (rc = dn_from_string(o->subject ? o->subject : DEFAULT_SUBJECT, &subj, &subj_len,
				 err)) != CA_OK)
		goto out;
	if (mkdir(dir, 0700) == 0) {
		made_dir = true;
	} else if (errno != EEXIST) {
		rc = ca_fail(err, CA_ERR_IO, "cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if ((rc = key_generate(o->key_type, &k, err)) != CA_OK)
		goto out;
	if ((rc = key_spki(k, &spki, &spki_len)) != CA_OK || !cert_key_id(spki, spki_len, ski)) {
		rc = ca_fail(err, CA_ERR_CRYPTO, "cannot encode the CA public key");
		goto out;
	}
	if ((rc = cert_serial(serial)) != CA_OK)
		goto out;
	int64_t now = system_now(NULL);
	struct cert_tpl t = {
	    .serial = serial,
	    .serial_len = sizeof(serial),
	    .issuer = subj,
	    .issuer_len = subj_len,
	    .subject = subj,
	    .subject_len = subj_len,
	    .spki = spki,
	    .spki_len = spki_len,
	    .not_before = now - CERT_SKEW,
	    .not_after = now - CERT_SKEW + (int64_t)days * 86400,
	    .ski = ski,
	    .is_ca = true,
	};
	if ((rc = cert_build(&t, k, &der, &der_len)) != CA_OK) {
		rc = ca_fail(err, rc, "cannot sign the CA certificate");
		goto out;
	}
	created = true;
	if ((rc = dir_file(path, dir, "ca.key", err)) != CA_OK ||
	    (rc = key_save(k, path, err)) != CA_OK)
		goto out;
	if ((rc = write_cert(dir, "ca.pem", der, der_len, err)) != CA_OK)
		goto out;
	if ((rc = dir_file(path, dir, "privca.conf", err)) != CA_OK ||
	    (rc = conf_write(path, base, err)) != CA_OK)
		goto out;
	/* The database is made 0600 first: SQLite keeps a file's mode, and its
	 * -wal and -shm files take the database's. */
	if ((rc = dir_file(path, dir, "privca.db", err)) != CA_OK ||
	    (rc = write_new(path, 0600, "", 0, err)) != CA_OK)
		goto out;
	struct store *st;
	if ((rc = store_open(path, true, &st, err)) != CA_OK)
		goto out;
	store_close(st);
	if ((rc = ca_open(dir, &ca, err)) != CA_OK)
		goto out;
	rc = init_tls(ca, o, tls, ntls, err);
out:
	ca_close(ca);
	if (rc != CA_OK && created) {
		/* Leave no half-made CA behind: a rerun must not be refused. */
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			if (path_join(path, sizeof(path), dir, files[i]))
				unlink(path);
		const char *side[] = {"privca.db-wal", "privca.db-shm"};
		for (size_t i = 0; i < 2; i++)
			if (path_join(path, sizeof(path), dir, side[i]))
				unlink(path);
	}
	if (rc != CA_OK && made_dir)
		rmdir(dir); /* only if empty: never what was there before */
	key_free(k);
	free(tls);
	free(subj);
	free(spki);
	free(der);
	return rc;
}

/* ---- open / close ---- */

enum ca_err ca_open(const char *dir, struct ca **out, struct ca_error *err)
{
	static const char *const pem_labels[] = {"CERTIFICATE", NULL};
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len;
	enum ca_err rc;
	struct cert_parts parts;
	uint8_t *spki = NULL;
	size_t spki_len;

	struct ca *ca = calloc(1, sizeof(*ca));
	if (ca == NULL || (ca->dir = strdup(dir)) == NULL) {
		free(ca);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	ca->now = system_now;
	ca->settings.default_days = CA_DEFAULT_DAYS;
	ca->settings.max_days = CA_MAX_DAYS;
	if (set_str(&ca->base_url, DEFAULT_URL) != CA_OK ||
	    set_str(&ca->http_listen, "127.0.0.1:8080") != CA_OK ||
	    set_str(&ca->https_listen, "127.0.0.1:8443") != CA_OK) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto bad;
	}
	if (!path_join(path, sizeof(path), dir, "ca.pem")) {
		rc = ca_fail(err, CA_ERR_IO, "the directory name is too long");
		goto bad;
	}
	if (access(path, F_OK) != 0) {
		rc = ca_fail(err, CA_ERR_NOT_FOUND,
			     "%s holds no CA; create one with: privca init --dir %s", dir, dir);
		goto bad;
	}
	if ((rc = acme_open(ca, err)) != CA_OK ||
	    (rc = dir_file(path, dir, "privca.conf", err)) != CA_OK ||
	    (rc = conf_read(ca, path, err)) != CA_OK)
		goto bad;
	ca->settings.base_url = ca->base_url;
	ca->settings.http_listen = ca->http_listen;
	ca->settings.https_listen = ca->https_listen;

	if ((rc = dir_file(path, dir, "ca.key", err)) != CA_OK ||
	    (rc = key_load(path, &ca->key, err)) != CA_OK)
		goto bad;
	if ((rc = dir_file(path, dir, "ca.pem", err)) != CA_OK ||
	    (rc = read_file(path, &buf, &len, err)) != CA_OK)
		goto bad;
	if (!pem_decode(buf, len, pem_labels, &ca->cert_der, &ca->cert_len) ||
	    !cert_parse(ca->cert_der, ca->cert_len, &parts)) {
		rc = ca_fail(err, CA_ERR_IO, "%s/ca.pem does not hold a certificate", dir);
		goto bad;
	}
	if ((rc = key_spki(ca->key, &spki, &spki_len)) != CA_OK)
		goto bad;
	if (spki_len != parts.spki.tlv_len || memcmp(spki, parts.spki.tlv, spki_len) != 0) {
		rc = ca_fail(err, CA_ERR_IO, "%s/ca.key is not the key of %s/ca.pem", dir, dir);
		goto bad;
	}
	ca->subject_len = parts.subject.tlv_len;
	ca->subject = malloc(ca->subject_len);
	if (ca->subject == NULL) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto bad;
	}
	memcpy(ca->subject, parts.subject.tlv, ca->subject_len);
	{
		/* subjectPublicKey contents: for OCSP key hashes and the SKI. */
		struct der_r r = der_in(&parts.spki);
		struct der_elem alg, bits;
		if (!der_expect(&r, DER_SEQUENCE, &alg) || !der_expect(&r, DER_BIT_STRING, &bits) ||
		    bits.len < 2 || !cert_key_id(spki, spki_len, ca->ski) ||
		    (ca->pubkey = malloc(bits.len - 1)) == NULL) {
			rc = ca_fail(err, CA_ERR_IO, "cannot read the CA public key");
			goto bad;
		}
		memcpy(ca->pubkey, bits.val + 1, bits.len - 1);
		ca->pubkey_len = bits.len - 1;
	}
	ca->cert_pem = pem_encode("CERTIFICATE", ca->cert_der, ca->cert_len);
	ca->subject_str = dn_to_string(ca->subject, ca->subject_len);
	const uint8_t *certs[1] = {ca->cert_der};
	if (ca->cert_pem == NULL || ca->subject_str == NULL ||
	    ca_p7b(certs, &ca->cert_len, 1, &ca->p7b, &ca->p7b_len) != CA_OK) {
		rc = ca_fail(err, CA_ERR_NOMEM, "out of memory");
		goto bad;
	}
	ca->root = (struct ca_root){
	    .der = ca->cert_der,
	    .der_len = ca->cert_len,
	    .pem = ca->cert_pem,
	    .p7b = ca->p7b,
	    .p7b_len = ca->p7b_len,
	    .subject = ca->subject_str,
	    .not_before = parts.not_before,
	    .not_after = parts.not_after,
	    .key_type = key_type(ca->key),
	};
	sha256_hex(ca->cert_der, ca->cert_len, ca->root.fingerprint_sha256);
	sha1_hex(ca->cert_der, ca->cert_len, ca->root.fingerprint_sha1);

	if ((rc = dir_file(path, dir, "privca.db", err)) != CA_OK ||
	    (rc = store_open(path, false, &ca->store, err)) != CA_OK)
		goto bad;
	if ((rc = revocation_open(ca, err)) != CA_OK)
		goto bad;
	free(buf);
	free(spki);
	*out = ca;
	return CA_OK;
bad:
	free(buf);
	free(spki);
	ca_close(ca);
	return rc;
}

void ca_close(struct ca *ca)
{
	if (ca == NULL)
		return;
	acme_close(ca);
	revocation_close(ca);
	store_close(ca->store);
	key_free(ca->key);
	free(ca->dir);
	free(ca->base_url);
	free(ca->http_listen);
	free(ca->https_listen);
	free(ca->cert_der);
	free(ca->cert_pem);
	free(ca->p7b);
	free(ca->subject_str);
	free(ca->subject);
	free(ca->pubkey);
	free(ca);
	key_thread_done();
}

enum ca_err ca_health(struct ca *ca, struct ca_error *err)
{
	enum ca_err rc = store_ping(ca->store, err);
	if (rc != CA_OK)
		return rc;
	uint8_t sig[KEY_SIG_MAX];
	size_t sl;
	if (key_signature(ca->key, (const uint8_t *)"healthz", 7, sig, &sl) != CA_OK)
		return ca_fail(err, CA_ERR_CRYPTO, "the CA key does not sign");
	return CA_OK;
}

void ca_secret_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

enum ca_err ca_tls_renew(struct ca *ca, int days_left, bool *renewed, struct ca_error *err)
{
	static const char *const labels[] = {"CERTIFICATE", NULL};
	char path[PATH_MAX], tmp[PATH_MAX];
	uint8_t *pem = NULL, *old = NULL;
	size_t pem_len, old_len;
	struct name *names = NULL;
	size_t nnames = 0;
	struct ca_cert *rec = NULL;
	struct cert_parts p;
	enum ca_err rc;

	*renewed = false;
	if ((rc = dir_file(path, ca->dir, "tls.pem", err)) != CA_OK ||
	    (rc = read_file(path, &pem, &pem_len, err)) != CA_OK)
		return rc;
	if (!pem_decode(pem, pem_len, labels, &old, &old_len) || !cert_parse(old, old_len, &p)) {
		rc = ca_fail(err, CA_ERR_IO, "%s does not hold a certificate", path);
		goto out;
	}
	int64_t now = ca_now(ca);
	if (p.not_after - now > (int64_t)days_left * 86400)
		goto out; /* still good */
	/* One from elsewhere (the operator's) is theirs to replace. */
	if (p.issuer.tlv_len != ca->subject_len ||
	    memcmp(p.issuer.tlv, ca->subject, ca->subject_len) != 0) {
		rc = ca_fail(err, CA_ERR_BAD_REQUEST,
			     "%s expires in %lld days and was not issued by this CA; replace it",
			     path, (long long)((p.not_after - now) / 86400));
		goto out;
	}
	if ((rc = cert_sans(&p, &names, &nnames, err)) != CA_OK)
		goto out;
	/* Same key, same subject and names; a new serial and validity. */
	struct leaf l = {
	    .subject = p.subject.tlv,
	    .subject_len = p.subject.tlv_len,
	    .spki = p.spki.tlv,
	    .spki_len = p.spki.tlv_len,
	    .names = names,
	    .nnames = nnames,
	    .profile = CA_PROFILE_SERVER,
	    .days = ca->settings.default_days,
	    .requester = "renew",
	};
	if ((rc = issue_leaf(ca, &l, &rec, err)) != CA_OK)
		goto out;
	/* Replace tls.pem in one step: a crash leaves the old or the new one. */
	if ((rc = dir_file(tmp, ca->dir, "tls.pem.new", err)) != CA_OK)
		goto out;
	unlink(tmp);
	if ((rc = write_cert(ca->dir, "tls.pem.new", rec->der, rec->der_len, err)) != CA_OK)
		goto out;
	if (rename(tmp, path) != 0) {
		rc = ca_fail(err, CA_ERR_IO, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	*renewed = true;
out:
	free(pem);
	free(old);
	free(names);
	ca_cert_free(rec);
	return rc;
}

/*
 * Is the first certificate in tls.pem the certificate of tls.key? Checked
 * before the pair is handed to GnuTLS, so a half-replaced pair is named in
 * words and the listener keeps the pair it has. Key types privca does not
 * read pass here; GnuTLS has the last word on every pair.
 */
static enum ca_err tls_pair_check(const uint8_t *key, size_t key_len, const uint8_t *pem,
				  size_t pem_len, struct ca_error *err)
{
	static const char *const labels[] = {"CERTIFICATE", NULL};
	struct key *k = NULL;
	uint8_t *der = NULL, *spki = NULL;
	size_t der_len, spki_len;
	struct cert_parts p;
	enum ca_err rc;
	/* A key of a type privca does not make (an operator's P-521, say) is
	 * left to GnuTLS, which checks the pair itself when it loads it. */
	if (key_load_pem(key, key_len, &k, NULL) != CA_OK)
		return CA_OK;
	if (!pem_decode(pem, pem_len, labels, &der, &der_len) || !cert_parse(der, der_len, &p))
		rc = ca_fail(err, CA_ERR_IO, "tls.pem does not hold a certificate");
	else if ((rc = key_spki(k, &spki, &spki_len)) == CA_OK &&
		 (spki_len != p.spki.tlv_len || memcmp(spki, p.spki.tlv, spki_len) != 0))
		rc = ca_fail(err, CA_ERR_IO, "tls.pem is not a certificate for tls.key");
	free(spki);
	free(der);
	key_free(k);
	return rc;
}

enum ca_err ca_tls_load(struct ca *ca, char **key_pem, char **cert_pem, struct ca_error *err)
{
	char path[PATH_MAX];
	uint8_t *k = NULL, *c = NULL;
	size_t kl, cl;
	struct stat st;
	enum ca_err rc;
	if (!path_join(path, sizeof(path), ca->dir, "tls.key"))
		return ca_fail(err, CA_ERR_IO, "the directory name is too long");
	if (stat(path, &st) == 0 && (st.st_mode & 077))
		return ca_fail(err, CA_ERR_IO,
			       "%s is readable by group or others; run chmod 600 %s", path, path);
	if ((rc = read_file(path, &k, &kl, err)) != CA_OK)
		return rc;
	if ((rc = dir_file(path, ca->dir, "tls.pem", err)) != CA_OK ||
	    (rc = read_file(path, &c, &cl, err)) != CA_OK) {
		ca_secret_free((char *)k);
		return rc == CA_OK ? CA_ERR_IO : rc;
	}
	if ((rc = tls_pair_check(k, kl, c, cl, err)) != CA_OK) {
		ca_secret_free((char *)k);
		free(c);
		return rc;
	}
	*key_pem = (char *)k;
	*cert_pem = (char *)c;
	return CA_OK;
}
