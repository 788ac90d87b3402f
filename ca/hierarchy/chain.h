/*
 * The chain above the issuing CA (hierarchy/chain.c): what ca_open loads
 * from DIR besides ca.pem, so that ca_chain, ca_root, ca_chain_pem and the
 * downloads run up to the root.
 *
 * Files of DIR (design section 11):
 *   root.pem   the root certificate, when the issuing CA (ca.pem) is not it
 *   chain.pem  CA certificates between the two (a subordinate under a
 *              deeper hierarchy), the one ca.pem's issuer first; optional
 *   root.crl   the root's CRL (DER), served at /root.crl
 *   root.key   the root's key: only for the operator to take offline
 *   ca.csr     a subordinate's request, before install-ca
 */
#ifndef PRIVCA_HIER_CHAIN_H
#define PRIVCA_HIER_CHAIN_H

#include "privca/ca.h"

struct ca;

/* Most CA certificates above the issuing CA. */
#define HIER_MAX 8

/*
 * Load root.pem and chain.pem (when present) into ca->hier after ca.pem's
 * issuer is set up, check that each certificate is issued by the next, and
 * make the whole-chain forms (PKCS#7, PEM). CA_ERR_IO naming the file when
 * one is unreadable, holds no certificate or does not chain; CA_ERR_NOMEM.
 */
enum ca_err hier_open(struct ca *ca, struct ca_error *err) CA_WUR;
/* The refusal for a dir without ca.pem: CA_ERR_NOT_FOUND, saying to run
 * install-ca when a subordinate's ca.csr waits there, else that dir holds
 * no CA. */
enum ca_err hier_not_installed(const char *dir, struct ca_error *err) CA_WUR;

/* Free ca->hier. */
void hier_close(struct ca *ca);

#endif
