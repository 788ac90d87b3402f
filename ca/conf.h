/*
 * privca.conf: the CA's settings, read at open and written once by init.
 * One table (conf.c) names every key with its type and bounds, so the
 * reader, the writer and the defaults cannot disagree.
 */
#ifndef PRIVCA_CONF_H
#define PRIVCA_CONF_H

#include "privca/ca.h"

#define CONF_DEFAULT_URL "http://127.0.0.1:8080"
#define CONF_LINE_MAX	 1023 /* bytes of one line, without its newline */

/*
 * A reader for keys another part of the core owns (ACME's, acme/state.c),
 * asked for a key that is not in conf.c's table: CA_OK when it took the
 * value, CA_ERR_NOT_FOUND when the key is not its either, another error
 * (with a sentence) for a bad value.
 */
typedef enum ca_err (*conf_extra_fn)(void *arg, const char *key, const char *value,
				     struct ca_error *err);

/* The settings; strings are owned (conf_free). */
struct conf {
	char *base_url; /* no trailing slash */
	char *http, *https;
	char *store; /* the store URL (store.h); NULL: DIR/privca.db */
	int default_days, max_days;
	int clamp_to_ca;	 /* 1: a leaf that would outlive the CA ends with it */
	int retain_expired_days; /* > 0: the background tidy deletes certificates
				    expired longer than this; 0: never */
	conf_extra_fn extra;	 /* may be NULL; not owned */
	void *extra_arg;
};

/* Fill c with the defaults (CONF_DEFAULT_URL, CA_DEFAULT_DAYS, ...). */
enum ca_err conf_defaults(struct conf *c, struct ca_error *err) CA_WUR;

/*
 * Read path over c (a missing file leaves c as it is). A line that is not
 * "key = value", an unknown key, a value out of its bounds, a line over
 * CONF_LINE_MAX bytes: CA_ERR_BAD_REQUEST naming the file and line.
 * default_days over max_days is refused too.
 */
enum ca_err conf_read(struct conf *c, const char *path, struct ca_error *err) CA_WUR;

/* Write c to the new file path (0644, with comments; 0600 with a store
 * URL, which may hold a password); never overwrites. */
enum ca_err conf_write(const char *path, const struct conf *c, struct ca_error *err) CA_WUR;

/* Is url what certificates may point to: an absolute http(s) URL with a
 * host, an optional port and a plain path, no user, query, fragment,
 * space, quote or angle bracket, at most 1000 characters?
 * CA_ERR_BAD_REQUEST saying what is wrong otherwise. */
enum ca_err conf_url_check(const char *url, struct ca_error *err) CA_WUR;
/* Set the base URL (conf_url_check'ed; trailing slashes dropped). */
enum ca_err conf_set_base_url(struct conf *c, const char *url, struct ca_error *err) CA_WUR;

/* Set c's store URL to a copy of url. */
enum ca_err conf_set_store(struct conf *c, const char *url, struct ca_error *err) CA_WUR;

/* Free c's strings and zero it; a zeroed c is fine. */
void conf_free(struct conf *c);

#endif
