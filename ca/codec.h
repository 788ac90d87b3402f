/*
 * Text encodings of bytes: hex, base64 (RFC 4648, standard and url
 * alphabets) and PEM (RFC 7468).
 */
#ifndef PRIVCA_CODEC_H
#define PRIVCA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void hex_encode(const uint8_t *p, size_t n, char *out);
/* Decode exactly 2n hex digits (either case) into n bytes. */
bool hex_decode(const char *s, uint8_t *out, size_t n) __attribute__((warn_unused_result));

/*
 * Decode base64 (standard or url-safe alphabet, padding optional, ASCII
 * white space skipped). *out is freed with free(). False on any other byte.
 */
bool b64_decode(const uint8_t *in, size_t n, uint8_t **out, size_t *out_len)
    __attribute__((warn_unused_result));
/* Standard base64 with padding, no line breaks; free(). NULL if no memory. */
char *b64_encode(const uint8_t *in, size_t n);
/* base64url without padding; free(). */
char *b64url_encode(const uint8_t *in, size_t n);

/*
 * Find the first PEM block "-----BEGIN <label>-----" whose label is one of
 * labels (NULL-terminated list) and decode it. False if there is none or
 * its body is not base64. *der is freed with free().
 */
bool pem_decode(const uint8_t *in, size_t n, const char *const *labels, uint8_t **der,
		size_t *der_len) __attribute__((warn_unused_result));
/* True if in holds "-----BEGIN " anywhere in its first bytes. */
bool pem_looks(const uint8_t *in, size_t n);
/* PEM with 64-column lines and a final newline; free(). NULL if no memory. */
char *pem_encode(const char *label, const uint8_t *der, size_t n);

/*
 * Normalise a certificate serial from a URL or the command line: exactly
 * 32 hex digits (either case) into out as lowercase, NUL-terminated.
 * False for anything else; out is then unspecified.
 */
bool ca_serial_norm(const char *in, char out[33]) __attribute__((warn_unused_result));

#endif
