/*
 * The code in this file implements External Account Binding (RFC 8555
 * 7.3.4, HS256): binding keys a team's operator hands out, and the check of
 * the binding JWS in newAccount.
 *
 * Storage: the HMAC key is never stored. It is derived:
 *     key = HMAC-SHA256(secret, "privca-eab-v1:" || kid)
 * where secret is 32 random bytes in DIR/acme-eab.key (mode 0600, made by
 * the first `privca acme eab`) and kid is 16 random bytes. The database
 * holds only kid, team and state, so a leaked database (or a backup of it)
 * gives no live credential, and the service needs no per-key secret column
 * to decrypt. The same file protects the keys as ca.key protects the CA:
 * back up DIR/acme-eab.key with ca.key. Removing it voids every unused key.
 */
#include <wolfssl/options.h>

#include <wolfssl/wolfcrypt/hmac.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "acme_int.h"
#include "codec.h"
#include "crypto/rand.h"
#include "crypto/signer.h"

#define EAB_TTL	 (7 * 86400)
#define EAB_FILE "acme-eab.key"

/* Load (or with create, make) the secret; under a->mu. */
static enum ca_err secret(struct ca *ca, bool create, struct ca_error *err)
{
	struct acme *a = ca->acme;
	char path[PATH_MAX];
	if (a->eab_loaded)
		return CA_OK;
	if (snprintf(path, sizeof(path), "%s/%s", ca->dir, EAB_FILE) >= (int)sizeof(path))
		return ca_fail(err, CA_ERR_IO, "the directory name is too long");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		uint8_t b[32];
		if (rand_bytes(b, sizeof(b)) != CA_OK)
			return ca_fail(err, CA_ERR_CRYPTO, "the random generator failed");
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		bool ok =
		    fd >= 0 && write(fd, b, sizeof(b)) == (ssize_t)sizeof(b) && fsync(fd) == 0;
		if (fd >= 0 && close(fd) != 0)
			ok = false;
		if (!ok) {
			explicit_bzero(b, sizeof(b));
			unlink(path);
			return ca_fail(err, CA_ERR_IO, "cannot write %s: %s", path,
				       strerror(errno));
		}
		memcpy(a->eab_secret, b, sizeof(b));
		explicit_bzero(b, sizeof(b));
		a->eab_loaded = true;
		return CA_OK;
	}
	if (fd < 0)
		return ca_fail(err, errno == ENOENT ? CA_ERR_NOT_FOUND : CA_ERR_IO,
			       "cannot read %s: %s", path, strerror(errno));
	struct stat st;
	ssize_t n = -1;
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) == 0 && st.st_size == 32)
		n = read(fd, a->eab_secret, sizeof(a->eab_secret));
	close(fd);
	if (n != (ssize_t)sizeof(a->eab_secret))
		return ca_fail(err, CA_ERR_IO, "%s must be 32 bytes readable by its owner only",
			       path);
	a->eab_loaded = true;
	return CA_OK;
}

static enum ca_err derive(struct ca *ca, const char *kid, bool create, uint8_t key[32],
			  struct ca_error *err)
{
	struct acme *a = ca->acme;
	pthread_mutex_lock(&a->mu);
	enum ca_err rc = secret(ca, create, err);
	Hmac h;
	char msg[80];
	int n = snprintf(msg, sizeof(msg), "privca-eab-v1:%s", kid);
	if (rc == CA_OK && (n < 0 || (size_t)n >= sizeof(msg)))
		rc = ca_fail(err, CA_ERR_BAD_REQUEST, "the kid is too long");
	if (rc == CA_OK) {
		if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0 ||
		    wc_HmacSetKey(&h, WC_SHA256, a->eab_secret, sizeof(a->eab_secret)) != 0 ||
		    wc_HmacUpdate(&h, (const byte *)msg, (word32)n) != 0 ||
		    wc_HmacFinal(&h, key) != 0)
			rc = ca_fail(err, CA_ERR_CRYPTO, "HMAC failed");
		wc_HmacFree(&h);
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

static bool team_ok(struct ca *ca, const char *team)
{
	struct store_token *t = NULL;
	enum ca_err rc = store_token_by_name(ca->store, team, &t);
	store_token_free(t);
	return rc == CA_OK;
}

enum ca_err acme_eab_create(struct ca *ca, const char *team, char kid[ACME_EAB_KID_LEN + 1],
			    char key[ACME_EAB_KEY_LEN + 1], struct ca_error *err)
{
	if (strlen(team) > 64 || !team_ok(ca, team))
		return ca_fail(err, CA_ERR_NOT_FOUND,
			       "no live team token named '%s'; create it first with privca token "
			       "create",
			       team);
	struct store_acme_eab e = {0};
	uint8_t k[32];
	char id[ACME_ID_LEN], *s = NULL;
	enum ca_err rc;
	/*
	 * Neither the kid nor the key may begin with '-': the operator passes
	 * both on command lines (certbot --eab-kid, privca acme eab revoke,
	 * grep), where they would read as options. One in 32 would; draw again.
	 */
	for (int tries = 0; s == NULL; tries++) {
		if (tries == 64)
			return ca_fail(err, CA_ERR_CRYPTO, "the random generator failed");
		if ((rc = acme_rand_id(id)) != CA_OK)
			return ca_fail(err, rc, "the random generator failed");
		if (id[0] == '-')
			continue;
		if ((rc = derive(ca, id, true, k, err)) != CA_OK)
			return rc;
		s = b64url_encode(k, sizeof(k));
		explicit_bzero(k, sizeof(k));
		if (s == NULL)
			return ca_fail(err, CA_ERR_NOMEM, "out of memory");
		if (s[0] == '-') {
			explicit_bzero(s, strlen(s));
			free(s);
			s = NULL;
		}
	}
	snprintf(e.kid, sizeof(e.kid), "%s", id);
	snprintf(e.team, sizeof(e.team), "%s", team);
	e.created_at = clock_now(&ca->clock);
	e.expires_at = e.created_at + EAB_TTL;
	if ((rc = store_acme_eab_put(ca->store, &e)) != CA_OK) {
		explicit_bzero(s, strlen(s));
		free(s);
		return ca_fail(err, rc, "the binding key could not be stored");
	}
	memcpy(kid, id, ACME_EAB_KID_LEN);
	kid[ACME_EAB_KID_LEN] = '\0';
	snprintf(key, ACME_EAB_KEY_LEN + 1, "%s", s);
	explicit_bzero(s, strlen(s));
	free(s);
	return CA_OK;
}

enum ca_err acme_eab_list(struct ca *ca, const char *team, struct acme_eab_info **out, size_t *n,
			  struct ca_error *err)
{
	struct store_acme_eab *v = NULL;
	size_t cnt = 0;
	enum ca_err rc = store_acme_eab_list(ca->store, team, &v, &cnt);
	if (rc != CA_OK)
		return ca_fail(err, rc, "the binding keys could not be read");
	struct acme_eab_info *o = calloc(cnt ? cnt : 1, sizeof(*o));
	if (o == NULL) {
		free(v);
		return ca_fail(err, CA_ERR_NOMEM, "out of memory");
	}
	int64_t now = clock_now(&ca->clock);
	for (size_t i = 0; i < cnt; i++) {
		snprintf(o[i].kid, sizeof(o[i].kid), "%s", v[i].kid);
		snprintf(o[i].account_id, sizeof(o[i].account_id), "%s", v[i].account_id);
		o[i].created_at = v[i].created_at;
		o[i].expires_at = v[i].expires_at;
		o[i].state = v[i].revoked_at	      ? "revoked"
			     : v[i].used_at	      ? "used"
			     : v[i].expires_at <= now ? "expired"
						      : "unused";
	}
	free(v);
	*out = o;
	*n = cnt;
	return CA_OK;
}

enum ca_err acme_eab_revoke(struct ca *ca, const char *kid, struct ca_error *err)
{
	if (strlen(kid) >= ACME_ID_LEN)
		return ca_fail(err, CA_ERR_NOT_FOUND, "no binding key with that kid");
	enum ca_err rc = store_acme_eab_revoke(ca->store, kid, clock_now(&ca->clock));
	if (rc == CA_ERR_NOT_FOUND)
		return ca_fail(err, rc, "no live binding key with kid '%s'", kid);
	return rc == CA_OK ? CA_OK : ca_fail(err, rc, "the binding key could not be revoked");
}

enum ca_err acme_open_team_set(struct ca *ca, const char *team, struct ca_error *err)
{
	enum ca_err rc = store_acme_open_team_set(ca->store, team);
	if (rc == CA_ERR_EXISTS) {
		char cur[65] = "";
		if (store_acme_open_team(ca->store, cur) != CA_OK)
			cur[0] = '\0';
		return ca_fail(err, rc,
			       "team '%s' is the ACME open team already; revoke its token first",
			       cur);
	}
	return rc == CA_OK ? CA_OK : ca_fail(err, rc, "the open team could not be set");
}

bool acme_eab_required(struct ca *ca)
{
	char team[65] = "";
	return store_acme_open_team(ca->store, team) != CA_OK || team[0] == '\0';
}

enum acme_problem eab_check(struct ca *ca, const struct acme_jws *j, const char *url,
			    const char *outer_thumbprint, char team[65], char kid[ACME_ID_LEN],
			    struct acme_error *e)
{
	if (j->alg == NULL || strcmp(j->alg, "HS256") != 0)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "the externalAccountBinding must use HS256");
	if (j->nonce != NULL)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "the externalAccountBinding must not carry a nonce");
	if (j->url == NULL || strcmp(j->url, url) != 0)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "the externalAccountBinding's url must be the newAccount URL");
	if (j->kid == NULL || strlen(j->kid) >= ACME_ID_LEN)
		return acme_fail(e, ACME_PROB_UNAUTHORIZED, "the binding key id is unknown");
	/* The payload is the account key as a JWK (web/acme decoded it into
	 * jwk members); compared with the outer key by thumbprint. */
	if (!j->has_jwk)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "the externalAccountBinding payload must be the account's JWK");
	struct store_acme_jwk canon;
	struct acme_jwk_key *k = NULL;
	struct acme_error ignore;
	if (jwk_import(&j->jwk, &canon, &k, &ignore) != ACME_PROB_NONE)
		return acme_fail(e, ACME_PROB_MALFORMED,
				 "the externalAccountBinding payload is not a usable JWK");
	jwk_key_free(k);
	char tp[48];
	jwk_thumbprint(&canon, tp);
	if (strcmp(tp, outer_thumbprint) != 0)
		return acme_fail(
		    e, ACME_PROB_UNAUTHORIZED,
		    "the externalAccountBinding binds another key than this request's");
	struct store_acme_eab rec;
	enum ca_err rc = store_acme_eab_get(ca->store, j->kid, &rec);
	if (rc == CA_ERR_NOT_FOUND)
		return acme_fail(e, ACME_PROB_UNAUTHORIZED, "the binding key id is unknown");
	if (rc != CA_OK)
		return acme_fail_store(e, rc, "the binding key could not be read");
	uint8_t key[32], mac[32];
	struct ca_error err;
	if (derive(ca, rec.kid, false, key, &err) != CA_OK)
		return acme_fail(e, ACME_PROB_UNAUTHORIZED, "the binding key is unknown");
	Hmac h;
	bool ok = wc_HmacInit(&h, NULL, INVALID_DEVID) == 0 &&
		  wc_HmacSetKey(&h, WC_SHA256, key, sizeof(key)) == 0 &&
		  wc_HmacUpdate(&h, j->signing_input, (word32)j->signing_input_len) == 0 &&
		  wc_HmacFinal(&h, mac) == 0;
	wc_HmacFree(&h);
	explicit_bzero(key, sizeof(key));
	uint8_t diff = j->sig_len == sizeof(mac) ? 0 : 1;
	for (size_t i = 0; ok && i < sizeof(mac) && i < j->sig_len; i++)
		diff |= (uint8_t)(mac[i] ^ j->sig[i]);
	if (!ok || diff != 0)
		return acme_fail(e, ACME_PROB_UNAUTHORIZED,
				 "the externalAccountBinding MAC does not verify with that key");
	if (rec.revoked_at || rec.used_at || rec.expires_at <= clock_now(&ca->clock))
		return acme_fail(e, ACME_PROB_UNAUTHORIZED, "the binding key is %s",
				 rec.revoked_at ? "revoked"
				 : rec.used_at	? "spent (it binds one account)"
						: "expired");
	snprintf(team, 65, "%s", rec.team);
	snprintf(kid, ACME_ID_LEN, "%s", rec.kid);
	return ACME_PROB_NONE;
}
