/*
 * ca.key in its three forms (design section 11), each opened as a signer
 * (signer.h): a plain PEM private key (the file signer), an encrypted
 * PKCS#8 (pkcs8.h) unlocked with a passphrase file and decrypted into a
 * file signer, or a pkcs11: URI naming a key in a token (the PKCS#11
 * signer). One loader picks the form from the file, so ca_open and every
 * command need no flags but the passphrase file.
 */
#ifndef PRIVCA_KEYFILE_H
#define PRIVCA_KEYFILE_H

#include "crypto/signer.h"
#include "privca/ca.h"

/*
 * Open the CA key at path (mode 0600 or stricter, not a symlink). For an
 * encrypted key the passphrase comes from pass_file or, when that is NULL,
 * from $CREDENTIALS_DIRECTORY/privca-key-pass; neither is one error
 * ("'PATH' is encrypted and no passphrase was given"). The decrypted key
 * and the passphrase are wiped once loaded. *out is closed with
 * signer_close. Errors name the file: CA_ERR_IO (unreadable, bad mode),
 * CA_ERR_CRYPTO (wrong passphrase or corrupt, not a key privca uses),
 * CA_ERR_BAD_REQUEST (no passphrase, a bad pkcs11: URI), and p11_open's.
 */
enum ca_err keyfile_open(const char *path, const char *pass_file, struct signer **out,
			 struct ca_error *err) CA_WUR;

/* How ca_init keeps the CA key: the key fields of struct ca_init_opts. */

/*
 * The CA key ca_init asks for: generated in the token when
 * o->pkcs11_module is set (then *uri is its pkcs11: URI, free()), else in
 * memory (*uri NULL). Checks first, before generating anything:
 * --encrypt-key needs a readable passphrase file, a token needs its label
 * and PIN file, and encryption and a token do not go together. *out is
 * closed with signer_close.
 */
enum ca_err keyfile_generate(const struct ca_init_opts *o, struct signer **out, char **uri,
			     struct ca_error *err) CA_WUR;

/*
 * Save what keyfile_generate made to path (created 0600, never
 * overwritten): the URI as one line, encrypted PKCS#8 under the passphrase
 * in o->key_pass_file, or plain PEM PKCS#8.
 */
enum ca_err keyfile_save(const struct ca_init_opts *o, const struct signer *s, const char *uri,
			 const char *path, struct ca_error *err) CA_WUR;

#endif
