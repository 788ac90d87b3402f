/*
 * bench_core DIR CSR_DIR: certificates issued per second through the core
 * API in-process (no HTTP), for a P-256 and an RSA-2048 CA with P-256
 * CSRs, beside the raw signatures per second of the same CA key in the
 * same run; and the cost of durability: one commit (fsync) per certificate
 * vs group commits from 64 concurrent issuers; and issuance with the CA
 * key as a file, an encrypted file and in a PKCS#11 token (key_forms).
 * Prints figures, asserts nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "crypto/signer.h"
#include "privca/ca.h"

#include <sqlite3.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	uint8_t *b = malloc(1 << 16);
	*len = b ? fread(b, 1, 1 << 16, f) : 0;
	fclose(f);
	return b;
}

struct job {
	struct ca *ca;
	const uint8_t *csr;
	size_t csr_len;
	int n;
	int failed;
};

static void *issue_loop(void *arg)
{
	struct job *j = arg;
	struct ca_issue_req req = {.csr = j->csr, .csr_len = j->csr_len};
	for (int i = 0; i < j->n; i++) {
		struct ca_cert *c;
		struct ca_error e;
		if (ca_issue(j->ca, &req, &c, &e) != CA_OK) {
			j->failed++;
			fprintf(stderr, "issue: %s\n", e.detail);
			continue;
		}
		ca_cert_free(c);
	}
	return NULL;
}

/* Issue total certificates from nthreads threads; returns certificates/s. */
static double issue_rate(struct ca *ca, const uint8_t *csr, size_t len, int nthreads, int total)
{
	pthread_t th[64];
	struct job jobs[64];
	double t0 = now_s();
	for (int i = 0; i < nthreads; i++) {
		jobs[i] = (struct job){ca, csr, len, total / nthreads, 0};
		pthread_create(&th[i], NULL, issue_loop, &jobs[i]);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	return (total / nthreads) * nthreads / (now_s() - t0);
}

static double sign_rate(struct ca *ca, int n)
{
	uint8_t msg[400], sig[SIGNER_SIG_MAX];
	size_t sl;
	memset(msg, 0x5a, sizeof(msg));
	double t0 = now_s();
	for (int i = 0; i < n; i++)
		if (signer_signature(ca->key, msg, sizeof(msg), sig, &sl) != CA_OK)
			return 0;
	return n / (now_s() - t0);
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ms per row: n certificate-sized rows, committed every `group` rows, WAL +
 * synchronous=FULL, as the store does. */
static double commit_ms(const char *path, int n, int group)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	uint8_t blob[900];
	memset(blob, 0xa5, sizeof(blob));
	remove(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return 0;
	sqlite3_exec(db,
		     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		     "CREATE TABLE c (serial TEXT PRIMARY KEY, der BLOB, at INTEGER)",
		     NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO c VALUES (?1, ?2, ?3)", -1, &st, NULL);
	double t0 = now_s();
	for (int i = 0; i < n; i++) {
		char serial[40];
		if (i % group == 0)
			sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		snprintf(serial, sizeof(serial), "%032x", i);
		sqlite3_bind_text(st, 1, serial, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 2, blob, sizeof(blob), SQLITE_STATIC);
		sqlite3_bind_int(st, 3, i);
		sqlite3_step(st);
		sqlite3_reset(st);
		if (i % group == group - 1 || i == n - 1)
			sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	double ms = (now_s() - t0) * 1000 / n;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ms;
}

/*
 * Issuance with the CA key in each of its forms (design section 11): a
 * plain file, an encrypted file (its unlock timed: ca_open_ex) and a key in
 * a PKCS#11 token. The encrypted form needs PRIVCA_BENCH_PASS_FILE, the
 * token PRIVCA_BENCH_PKCS11_MODULE, _TOKEN and _PIN_FILE (scripts/bench.d/
 * core.sh sets them up with SoftHSM2); a form without them is left out.
 */
static int key_forms(const char *work, const uint8_t *csr, size_t csr_len)
{
	static const enum ca_key_type types[] = {CA_KEY_EC_P256, CA_KEY_RSA_2048};
	static const char *const forms[] = {"file", "encrypted", "pkcs11"};
	const char *pass = getenv("PRIVCA_BENCH_PASS_FILE");
	const char *module = getenv("PRIVCA_BENCH_PKCS11_MODULE");
	printf("\nThe CA key's forms, P-256 CSR, one thread:\n\n");
	printf("%-9s %-10s %10s %9s %9s %10s\n", "CA key", "form", "unlock", "sign/s", "issue/s",
	       "CPU/cert");
	for (size_t i = 0; i < 2; i++)
		for (size_t f = 0; f < 3; f++) {
			struct ca_init_opts o = {.key_type = types[i]};
			if ((f == 1 && pass == NULL) || (f == 2 && module == NULL))
				continue;
			o.encrypt_key = f == 1;
			o.key_pass_file = pass;
			if (f == 2) {
				o.pkcs11_module = module;
				o.pkcs11_token = getenv("PRIVCA_BENCH_PKCS11_TOKEN");
				o.pkcs11_pin_file = getenv("PRIVCA_BENCH_PKCS11_PIN_FILE");
			}
			char dir[512];
			snprintf(dir, sizeof(dir), "%s/forms-%s-%s", work,
				 ca_key_type_name(types[i]), forms[f]);
			struct ca_open_opts oo = {.key_pass_file = pass};
			struct ca_error e;
			struct ca *ca;
			if (ca_init(dir, &o, &e) != CA_OK) {
				fprintf(stderr, "%s\n", e.detail);
				return 1;
			}
			double t0 = now_s();
			if (ca_open_ex(dir, &oo, &ca, &e) != CA_OK) {
				fprintf(stderr, "%s\n", e.detail);
				return 1;
			}
			double unlock = now_s() - t0;
			int n = types[i] == CA_KEY_EC_P256 ? 1500 : 300;
			double sign = sign_rate(ca, n);
			double c0 = cpu_s();
			double one = issue_rate(ca, csr, csr_len, 1, n / 3);
			double cpu = (cpu_s() - c0) / (n / 3);
			printf("%-9s %-10s %7.0f ms %9.0f %9.0f %7.0f us\n",
			       ca_key_type_name(types[i]), forms[f], unlock * 1000, sign, one,
			       cpu * 1e6);
			ca_close(ca);
		}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: bench_core WORKDIR CSR_FILE [KEY_TYPE]\n");
		return 2;
	}
	size_t csr_len;
	uint8_t *csr = slurp(argv[2], &csr_len);
	if (csr == NULL)
		return 1;
	static const struct {
		enum ca_key_type t;
		int n;
	} cas[] = {{CA_KEY_EC_P256, 3000}, {CA_KEY_RSA_2048, 600}};

	printf("In-process issuance (no HTTP), P-256 CSR, every certificate durable:\n\n");
	printf("%-9s %9s %11s %11s %13s %12s\n", "CA key", "sign/s", "issue/s", "issue/s",
	       "CPU/cert", "outside");
	printf("%-9s %9s %11s %11s %13s %12s\n", "", "(raw)", "1 thread", "64 threads",
	       "(1 thread)", "signing");
	for (size_t i = 0; i < sizeof(cas) / sizeof(cas[0]); i++) {
		char dir[512];
		if (argc == 4 && strcmp(argv[3], ca_key_type_name(cas[i].t)) != 0)
			continue; /* only the CA key type asked for (profiling) */
		snprintf(dir, sizeof(dir), "%s/%s", argv[1], ca_key_type_name(cas[i].t));
		struct ca_init_opts o = {.key_type = cas[i].t};
		struct ca_error e;
		struct ca *ca;
		if (ca_init(dir, &o, &e) != CA_OK || ca_open(dir, &ca, &e) != CA_OK) {
			fprintf(stderr, "%s\n", e.detail);
			return 1;
		}
		double sign = sign_rate(ca, cas[i].n);
		int n1 = cas[i].n / 3;
		double c0 = cpu_s();
		double one = issue_rate(ca, csr, csr_len, 1, n1);
		double cpu = (cpu_s() - c0) / n1;
		double group = issue_rate(ca, csr, csr_len, 64, cas[i].n);
		printf("%-9s %9.0f %11.0f %11.0f %10.0f us %11.0f%%\n", ca_key_type_name(cas[i].t),
		       sign, one, group, cpu * 1e6, 100.0 * (cpu - 1.0 / sign) / cpu);
		ca_close(ca);
	}
	char db[600];
	snprintf(db, sizeof(db), "%s/commit.db", argv[1]);
	double per1 = commit_ms(db, 2000, 1), per64 = commit_ms(db, 6400, 64);
	printf("\nSQLite WAL, synchronous=FULL, certificate-sized rows:\n"
	       "  one commit per certificate   %8.3f ms/cert (%6.0f/s)\n"
	       "  one commit per 64            %8.3f ms/cert (%6.0f/s)\n",
	       per1, 1000 / per1, per64, 1000 / per64);
	int rc = argc == 3 ? key_forms(argv[1], csr, csr_len) : 0;
	free(csr);
	return rc;
}
