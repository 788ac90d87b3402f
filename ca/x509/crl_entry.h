/*
 * One revoked certificate as a CRL lists it: what the store's revoked
 * lists give (store.h) and the CRL encoder takes (crl.h), one type so that
 * a million entries go from one to the other without a copy.
 */
#ifndef PRIVCA_CRL_ENTRY_H
#define PRIVCA_CRL_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "privca/ca.h"

/* Longest serial number RFC 5280 4.1.2.2 allows, in octets. */
#define CRL_SERIAL_MAX 20

struct crl_entry {
	/*
	 * The serial as a big-endian unsigned magnitude, 1..CRL_SERIAL_MAX
	 * bytes, not all zero (leading zero bytes are dropped and a 0x00 is
	 * prepended in the DER when the top bit is set).
	 */
	uint8_t serial[CRL_SERIAL_MAX];
	size_t serial_len;
	int64_t revoked_at;    /* revocationDate, Unix seconds */
	enum ca_reason reason; /* CA_REASON_UNSPECIFIED writes no reasonCode */
};

#endif
