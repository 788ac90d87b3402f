/*
 * The code in this file implements the certificate record the store
 * returns and the front-ends show (struct ca_cert, struct ca_cert_list):
 * its destructors and its PEM. Every file that hands out records frees
 * them here, so none of them depends on another for it.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "privca/ca.h"

void ca_cert_free(struct ca_cert *c)
{
	if (c == NULL)
		return;
	free(c->subject);
	for (size_t i = 0; i < c->n_dns; i++)
		free(c->dns_names[i]);
	for (size_t i = 0; i < c->n_ip; i++)
		free(c->ip_addresses[i]);
	free(c->dns_names);
	free(c->ip_addresses);
	free(c->requester);
	free(c->der);
	free(c);
}

void ca_cert_list_free(struct ca_cert_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		ca_cert_free(l->items[i]);
	free(l->items);
	free(l->next_cursor);
	memset(l, 0, sizeof(*l));
}

char *ca_cert_pem(const struct ca_cert *c)
{
	if (c->der == NULL)
		return NULL;
	return pem_encode("CERTIFICATE", c->der, c->der_len);
}
