/*
 * What the revocation files share (not part of include/): the CRL cache
 * (crl_cache.c), the OCSP responder (ocsp_responder.c), the background
 * service that keeps both fresh (service.c) and ca_revoke (revoke.c).
 *
 * Freshness: every revocation bumps revocation_state.generation through a
 * trigger, whichever process makes it. The CRL cache holds the latest
 * generation known to this process (revocation_gen); a revocation made
 * here raises it at once (revocation_changed), the service raises it when
 * store_watch sees another process's. The CRL and the OCSP cache are valid
 * for one generation.
 *
 * Lifetimes: everything here lives from revocation_open (ca_open) to
 * revocation_close (ca_close) and is safe to call from any thread between.
 */
#ifndef PRIVCA_REVOCATION_H
#define PRIVCA_REVOCATION_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* ---- crl_cache.c ---- */

/* Allocate ca->crl, reading the store's generation. CA_ERR_NOMEM,
 * CA_ERR_STORE. */
enum ca_err crl_cache_open(struct ca *ca, struct ca_error *err) CA_WUR;
/* Free ca->crl and the CRL it holds (the service is stopped). NULL is fine. */
void crl_cache_close(struct ca *ca);

/* The latest revocation generation this process knows of. */
int64_t revocation_gen(struct ca *ca);
/* Raise it to g (never lowers it). */
void revocation_gen_raise(struct ca *ca, int64_t g);

/* Is the store watched for other processes' revocations (the service
 * runs)? Only then may ca_crl and ca_ocsp answer from what they hold
 * without asking the store first. Set once by ca_serve_start. */
bool revocation_watched(struct ca *ca);
void revocation_set_watched(struct ca *ca);

/*
 * The service's step: rebuild (and record) the CRL if it is stale for the
 * known generation, due for its daily refresh, or if another process
 * recorded a newer one than crl_number_seen (0: none seen). Errors are left
 * for the next step or for ca_crl to report.
 */
void crl_cache_refresh(struct ca *ca, uint64_t crl_number_seen);

/* ---- ocsp_responder.c ---- */

/* Allocate ca->ocsp (the issuer's CertID hashes and the answer cache).
 * CA_ERR_NOMEM, CA_ERR_CRYPTO. */
enum ca_err ocsp_cache_open(struct ca *ca, struct ca_error *err) CA_WUR;
/* Free ca->ocsp and every cached answer. NULL is fine. */
void ocsp_cache_close(struct ca *ca);

/* service.c has revocation_open, revocation_close and revocation_changed
 * (internal.h) and ca_serve_start: it calls the two files above, never
 * the other way round. */

#endif
