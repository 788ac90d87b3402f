/*
 * The code in this file implements the name tables of ca.h: errors, key
 * types, profiles, reasons, statuses; and ca_fail.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "privca/ca.h"

static const char *const err_names[CA_ERR_MAX] = {
    [CA_OK] = "ok",
    [CA_ERR_BAD_REQUEST] = "bad-request",
    [CA_ERR_BAD_CSR] = "bad-csr",
    [CA_ERR_BAD_SIGNATURE] = "bad-signature",
    [CA_ERR_WEAK_KEY] = "weak-key",
    [CA_ERR_UNAUTHORIZED] = "unauthorized",
    [CA_ERR_FORBIDDEN] = "forbidden",
    [CA_ERR_NAME_NOT_ALLOWED] = "name-not-allowed",
    [CA_ERR_NOT_FOUND] = "not-found",
    [CA_ERR_ALREADY_REVOKED] = "already-revoked",
    [CA_ERR_EXISTS] = "exists",
    [CA_ERR_IO] = "io",
    [CA_ERR_STORE] = "store",
    [CA_ERR_CRYPTO] = "crypto",
    [CA_ERR_NOMEM] = "nomem",
    [CA_ERR_INTERNAL] = "internal",
    [CA_ERR_UNAVAILABLE] = "unavailable",
};

const char *ca_strerror(enum ca_err err)
{
	if ((unsigned)err >= CA_ERR_MAX || err_names[err] == NULL)
		return "internal";
	return err_names[err];
}

__attribute__((format(printf, 3, 0))) static void vfail(struct ca_error *err, enum ca_input input,
							const char *fmt, va_list ap)
{
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	err->input = input;
}

enum ca_err ca_fail(struct ca_error *err, enum ca_err code, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vfail(err, CA_INPUT_NONE, fmt, ap);
		va_end(ap);
	}
	return code;
}

enum ca_err ca_fail_in(struct ca_error *err, enum ca_err code, enum ca_input input, const char *fmt,
		       ...)
{
	if (err != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vfail(err, input, fmt, ap);
		va_end(ap);
	}
	return code;
}

static bool lookup(const char *const *tab, size_t n, const char *name, unsigned *out)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i] != NULL && strcmp(tab[i], name) == 0) {
			*out = (unsigned)i;
			return true;
		}
	return false;
}

#define NAME_OF(tab, v) ((unsigned)(v) < sizeof(tab) / sizeof(tab[0]) ? tab[v] : NULL)

static const char *const key_names[CA_KEY_TYPE_MAX] = {
    [CA_KEY_EC_P256] = "ec-p256",   [CA_KEY_EC_P384] = "ec-p384",   [CA_KEY_RSA_2048] = "rsa-2048",
    [CA_KEY_RSA_3072] = "rsa-3072", [CA_KEY_RSA_4096] = "rsa-4096", [CA_KEY_ED25519] = "ed25519",
};

const char *ca_key_type_name(enum ca_key_type t)
{
	return NAME_OF(key_names, t);
}

bool ca_key_type_parse(const char *name, enum ca_key_type *out)
{
	unsigned v;
	if (!lookup(key_names, CA_KEY_TYPE_MAX, name, &v))
		return false;
	*out = (enum ca_key_type)v;
	return true;
}

static const char *const profile_names[CA_PROFILE_MAX] = {
    [CA_PROFILE_SERVER] = "server", [CA_PROFILE_CLIENT] = "client", [CA_PROFILE_PEER] = "peer"};

const char *ca_profile_name(enum ca_profile p)
{
	return NAME_OF(profile_names, p);
}

bool ca_profile_parse(const char *name, enum ca_profile *out)
{
	unsigned v;
	if (!lookup(profile_names, CA_PROFILE_MAX, name, &v))
		return false;
	*out = (enum ca_profile)v;
	return true;
}

static const char *const reason_names[CA_REASON_MAX] = {
    [CA_REASON_UNSPECIFIED] = "unspecified",
    [CA_REASON_KEY_COMPROMISE] = "keyCompromise",
    [CA_REASON_AFFILIATION_CHANGED] = "affiliationChanged",
    [CA_REASON_SUPERSEDED] = "superseded",
    [CA_REASON_CESSATION_OF_OPERATION] = "cessationOfOperation",
};

const char *ca_reason_name(enum ca_reason r)
{
	return NAME_OF(reason_names, r);
}

bool ca_reason_parse(const char *name, enum ca_reason *out)
{
	unsigned v;
	if (!lookup(reason_names, CA_REASON_MAX, name, &v))
		return false;
	*out = (enum ca_reason)v;
	return true;
}

static const char *const status_names[CA_STATUS_MAX] = {
    [CA_STATUS_VALID] = "valid", [CA_STATUS_REVOKED] = "revoked", [CA_STATUS_EXPIRED] = "expired"};

const char *ca_status_name(enum ca_status s)
{
	return NAME_OF(status_names, s);
}
