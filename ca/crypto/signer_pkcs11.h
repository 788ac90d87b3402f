/*
 * A CA key inside a PKCS#11 token (an HSM; SoftHSM2 in tests), used through
 * wolfSSL's PKCS#11 support (wc_Pkcs11_*, a crypto callback device): the
 * private key is generated in the token (token object, private, sensitive,
 * never extractable) and never leaves it; privca keeps only a pkcs11: URI
 * (RFC 7512) naming the module, token, object, id and PIN file.
 *
 * Caveats:
 *  - EC P-256, P-384 and RSA-2048/3072/4096 only: wolfSSL 5.5.4 has no
 *    PKCS#11 EdDSA.
 *  - One logged-in session per opened key; signing is serialised on it
 *    (PKCS#11 sessions take one operation at a time).
 *  - A module is initialised (C_Initialize) by one open signer at a time
 *    per process; signer_close finalises it.
 *  - wolfSSL 5.5.4's token lookup by label compares slot indexes as slot
 *    ids and matches label prefixes, so the slot is found here by the full
 *    label and handed to wolfSSL.
 */
#ifndef PRIVCA_SIGNER_PKCS11_H
#define PRIVCA_SIGNER_PKCS11_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/signer.h"
#include "privca/ca.h"

#define P11_ID_MAX 32

/* A parsed pkcs11: URI: what privca needs of RFC 7512. */
struct p11_uri {
	char token[33];		    /* token= (a label is at most 32 bytes) */
	char object[65];	    /* object= (CKA_LABEL), may be empty */
	uint8_t id[P11_ID_MAX];	    /* id= (CKA_ID) */
	size_t id_len;		    /* 0: no id= */
	char module_path[PATH_MAX]; /* module-path= */
	char pin_file[PATH_MAX];    /* pin-source=file:... (a path) */
};

/*
 * Parse s: "pkcs11:" then path attributes separated by ';' and, after '?',
 * query attributes separated by '&'; values percent-decoded. token=,
 * module-path=, pin-source=file:PATH and one of id=/object= are required;
 * type= must be "private" if present; other attributes are refused (a key
 * privca cannot pin down exactly is not one it signs with).
 * CA_ERR_BAD_REQUEST with the reason.
 */
enum ca_err p11_uri_parse(const char *s, struct p11_uri *u, struct ca_error *err) CA_WUR;

/* Write u as a pkcs11: URI (free()); NULL if out of memory. */
char *p11_uri_format(const struct p11_uri *u);

/*
 * Generate a CA key of type t inside the token labelled token of module,
 * logging in with the PIN in pin_file (read with pass_file_read), and fill
 * *out with the URI that names it (pin_file made absolute). object is the
 * CKA_LABEL to give the key pair. Errors name the module, the token or the
 * PIN file: "'M' is not a PKCS#11 module", "no token labelled 'T'", "wrong
 * PIN for token 'T' (from F)". Nothing is left in the token on failure.
 */
enum ca_err p11_generate(const char *module, const char *token, const char *pin_file,
			 const char *object, enum ca_key_type t, struct p11_uri *out,
			 struct ca_error *err) CA_WUR;

/*
 * Open the key u names as a signer (signer.h): load the module, log in
 * with the PIN from u->pin_file, find the private key and its public half.
 * *out is closed with signer_close (logs out, finalises the module). Its
 * signatures are made in the token. Same errors as p11_generate, plus "no
 * private key ... in token 'T'".
 */
enum ca_err p11_open(const struct p11_uri *u, struct signer **out, struct ca_error *err) CA_WUR;

#endif
