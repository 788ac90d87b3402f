/*
 * privca init for the tiers above one (hierarchy/tiers.c): the checks of
 * the hierarchy options, the offline root and its intermediate
 * (--two-tier), the subordinate's key and request (--subordinate), and the
 * service's TLS names under name constraints. init.c calls these.
 */
#ifndef PRIVCA_HIER_TIERS_H
#define PRIVCA_HIER_TIERS_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/signer.h"
#include "names.h"
#include "privca/ca.h"

struct nc;

/*
 * Check o's hierarchy options (tier, root days, --permit/--exclude values;
 * constraints only above one tier) before anything is written. *nc is the
 * parsed constraints (free()), NULL when there are none.
 * CA_ERR_BAD_REQUEST.
 */
enum ca_err hier_init_check(const struct ca_init_opts *o, struct nc **nc,
			    struct ca_error *err) CA_WUR;

/*
 * The TLS names under nc: v[0..nfixed) are the loopback defaults, left out
 * where nc does not permit them; any other name outside nc is refused
 * (CA_ERR_BAD_REQUEST naming it). Refused too when no name is left.
 * nc NULL: v unchanged.
 */
enum ca_err hier_tls_filter(const struct nc *nc, size_t nfixed, struct name *v, size_t *n,
			    struct ca_error *err) CA_WUR;

/*
 * --two-tier: a new root (o->root_subject, o->root_days) written to
 * dir/root.key (0600, a plain PEM key: it leaves the machine), root.pem
 * and its first CRL root.crl, and a new issuing key *k (signer_close; in
 * the form o asks for, keyfile_generate: *uri, free(), names a token key)
 * with its intermediate certificate *der (free()) for subject, days long,
 * carrying nc.
 */
enum ca_err hier_init_two_tier(const char *dir, const struct ca_init_opts *o, const struct nc *nc,
			       const uint8_t *subject, size_t subject_len, int days,
			       struct signer **k, char **uri, uint8_t **der, size_t *der_len,
			       struct ca_error *err) CA_WUR;

/*
 * --subordinate: a new issuing key *k (signer_close; keyfile_generate, as
 * above, with *uri) and dir/ca.csr, the PKCS#10 request for subject asking
 * for a CA certificate carrying nc.
 */
enum ca_err hier_init_subordinate(const char *dir, const struct ca_init_opts *o,
				  const struct nc *nc, const uint8_t *subject, size_t subject_len,
				  struct signer **k, char **uri, struct ca_error *err) CA_WUR;

#endif
