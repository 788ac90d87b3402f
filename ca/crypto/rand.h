/*
 * Randomness for the CA: the process RNG (wolfCrypt's) and certificate
 * serials drawn from it. Thread-safe.
 */
#ifndef PRIVCA_RAND_H
#define PRIVCA_RAND_H

#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

/* Fill buf with n random bytes; CA_ERR_CRYPTO if the RNG fails. */
enum ca_err rand_bytes(uint8_t *buf, size_t n) CA_WUR;

/* 16 random bytes, the first in 0x01..0x7f: positive, always 16 bytes
 * (design section 3). */
enum ca_err rand_serial(uint8_t serial[16]) CA_WUR;

#endif
