/*
 * The code in this file implements the process RNG and serials (rand.h).
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include <pthread.h>
#include <stdbool.h>

#include "crypto/rand.h"

static pthread_mutex_t rng_mu = PTHREAD_MUTEX_INITIALIZER;
static WC_RNG proc_rng;
static bool proc_rng_ok;

enum ca_err rand_bytes(uint8_t *buf, size_t n)
{
	enum ca_err rc = CA_OK;
	pthread_mutex_lock(&rng_mu);
	if (!proc_rng_ok) {
		if (wc_InitRng(&proc_rng) != 0) {
			rc = CA_ERR_CRYPTO;
			goto out;
		}
		proc_rng_ok = true;
	}
	if (n > UINT32_MAX || wc_RNG_GenerateBlock(&proc_rng, buf, (word32)n) != 0)
		rc = CA_ERR_CRYPTO;
out:
	pthread_mutex_unlock(&rng_mu);
	return rc;
}

enum ca_err rand_serial(uint8_t serial[16])
{
	if (rand_bytes(serial, 16) != CA_OK)
		return CA_ERR_CRYPTO;
	serial[0] = (uint8_t)(serial[0] % 0x7f + 1); /* 0x01..0x7f: positive, 16 bytes */
	return CA_OK;
}
