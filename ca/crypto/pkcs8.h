/*
 * Encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo) with PBES2 (RFC 8018):
 * PBKDF2-HMAC-SHA256 and AES-256-CBC, the form `openssl pkey -passin` reads.
 * wolfSSL 5.5.4's own writer is broken (wolfssl-notes.md: iteration counts
 * over 32,767, no padding block when the key is a multiple of 16 bytes,
 * SHA-1 PRF only), so both directions are written here over the DER
 * reader/writer and wolfCrypt's PBKDF2 and AES.
 *
 * Also the passphrase files that unlock such keys (and PKCS#11 PINs):
 * read whole, one trailing newline stripped as systemd and openssl do.
 *
 * Caveats: only PBES2 with PBKDF2, hmacWithSHA256 and aes256-CBC is read
 * (what this file and `openssl genpkey -aes256` write); scrypt, SHA-1 or
 * SHA-512 PRFs and legacy DEK-Info PEM are refused with a message saying so.
 * Every buffer that held a key or a passphrase is wiped (explicit_bzero:
 * Debian's wolfSSL 5.5.4 does not export wc_ForceZero) before it is freed.
 */
#ifndef PRIVCA_PKCS8_H
#define PRIVCA_PKCS8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

/* PBKDF2 iterations written (design section 11: at least 600,000). */
#define PKCS8_ITERATIONS 600000u
/* Largest iteration count read: more would let a file stall the service. */
#define PKCS8_MAX_ITERATIONS 10000000u
/* Longest passphrase or PIN file accepted, in bytes. */
#define PASS_MAX 1024

/*
 * Encrypt a PrivateKeyInfo DER (der, n) under pass and return it as PEM
 * "ENCRYPTED PRIVATE KEY" in *pem (NUL-terminated; free with pkcs8_wipe_str).
 * Fresh random salt (16 bytes) and IV for every call. CA_ERR_CRYPTO or
 * CA_ERR_NOMEM on failure.
 */
enum ca_err pkcs8_encrypt_pem(const uint8_t *der, size_t n, const uint8_t *pass, size_t pass_len,
			      char **pem, struct ca_error *err) CA_WUR;

/* True if in holds a "-----BEGIN ENCRYPTED PRIVATE KEY-----" block. */
bool pkcs8_is_encrypted(const uint8_t *in, size_t n);

/*
 * Decrypt the first ENCRYPTED PRIVATE KEY block of pem (n bytes) with pass
 * and return the PrivateKeyInfo DER in *der (free with pkcs8_wipe(*der,
 * *len)). path names the file in messages only. A wrong passphrase and a
 * damaged file cannot be told apart (the padding and the DER are all there
 * is): both give CA_ERR_CRYPTO "wrong passphrase or corrupt key file
 * 'PATH'", after one PBKDF2 run. An unsupported scheme says which.
 */
enum ca_err pkcs8_decrypt_pem(const uint8_t *pem, size_t n, const uint8_t *pass, size_t pass_len,
			      const char *path, uint8_t **der, size_t *len,
			      struct ca_error *err) CA_WUR;

/*
 * Read a passphrase (or PIN) file: a regular file, not readable or writable
 * by group or others, at most PASS_MAX bytes; one trailing "\n" is
 * stripped; an empty result is refused. what ("passphrase", "PIN") is used
 * in messages. *pass is NUL-terminated (the NUL not counted in *len) and
 * freed with pkcs8_wipe(*pass, *len). CA_ERR_IO or CA_ERR_BAD_REQUEST.
 */
enum ca_err pass_file_read(const char *path, const char *what, uint8_t **pass, size_t *len,
			   struct ca_error *err) CA_WUR;

/*
 * The systemd credential path $CREDENTIALS_DIRECTORY/privca-key-pass into
 * buf (cap bytes). False if the variable is unset or empty or the path does
 * not fit; the file itself is not checked.
 */
bool pass_credential_path(char *buf, size_t cap);

/* Wipe n bytes at p and free p. NULL is fine. */
void pkcs8_wipe(void *p, size_t n);
/* Wipe a NUL-terminated string and free it. NULL is fine. */
void pkcs8_wipe_str(char *s);

#endif
