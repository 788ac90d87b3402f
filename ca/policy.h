/*
 * What may be issued: the names a certificate gets, its validity and
 * profile, checked against the CA's limits and the requesting token's
 * policy. No I/O.
 */
#ifndef PRIVCA_POLICY_H
#define PRIVCA_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "names.h"
#include "privca/ca.h"

/* The CA-wide limits from privca.conf. */
struct policy_limits {
	int default_days;
	int max_days;
};

/* A token's policy as the store gives it back (strings owned elsewhere). */
struct policy_token {
	const char *name;
	const char *const *allow;
	size_t nallow;
	const char *const *allow_ip;
	size_t nallow_ip;
	bool allow_wildcard;
	int max_days;	   /* 0 = no extra limit */
	unsigned profiles; /* bit (1 << enum ca_profile); 0 = all */
	bool admin;
};

/* Maximum names in one certificate. */
#define POLICY_MAX_NAMES 100

/*
 * Decide the certificate's names: sans if nsans > 0, else the CSR's SAN
 * extension (dns then ips), else the CSR's CN. Each is validated with
 * name_parse; duplicates (after canonicalisation) are dropped; more than
 * POLICY_MAX_NAMES or none at all is CA_ERR_BAD_REQUEST. *out is freed with
 * free().
 */
enum ca_err policy_names(const char *const *sans, size_t nsans, const char *const *csr_dns,
			 size_t ncsr_dns, const char *const *csr_ips, size_t ncsr_ips,
			 const char *cn, struct name **out, size_t *n, struct ca_error *err) CA_WUR;

/*
 * Validity in days: requested 0 means default (lowered to the token's
 * max_days if that is lower); a request above the CA's or the token's
 * maximum is CA_ERR_BAD_REQUEST naming the maximum, never shortened.
 */
enum ca_err policy_days(const struct policy_limits *lim, const struct policy_token *tok,
			int requested, int *days, struct ca_error *err) CA_WUR;

/*
 * May tok (NULL = the operator: no token policy) have these names and this
 * profile? Wildcards need tok->allow_wildcard (or admin / operator); IPs
 * must fall in allow_ip; DNS names must match an allow pattern.
 * CA_ERR_NAME_NOT_ALLOWED naming the first name refused and the allowed
 * patterns; CA_ERR_FORBIDDEN for a profile outside tok->profiles.
 */
enum ca_err policy_check(const struct policy_token *tok, enum ca_profile profile,
			 const struct name *names, size_t n, struct ca_error *err) CA_WUR;

#endif
