/*
 * A main() for the fuzz targets when they are built without libFuzzer:
 * `fuzz_X DIR...` runs LLVMFuzzerTestOneInput over every file in each DIR
 * (not recursively; names starting with '.' are skipped), in name order,
 * and over deterministic mutations of each file: bit flips, truncations,
 * interesting bytes, deletions and duplications. Every input is passed in a
 * buffer of exactly its size so AddressSanitizer sees any over-read.
 *
 * PRIVCA_FUZZ_MUTATIONS sets the mutations per file (default 3000). With
 * -DPRIVCA_LIBFUZZER this file is empty and libFuzzer provides main().
 */
#ifndef PRIVCA_LIBFUZZER

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILE (1 << 20)

static uint64_t rng;

static uint64_t next(void)
{
	/* xorshift64*: deterministic and good enough to pick mutations. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * UINT64_C(2685821657736338717);
}

static size_t below(size_t n)
{
	return n ? (size_t)(next() % n) : 0;
}

static void run(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);
	if (copy == NULL) {
		perror("replay");
		exit(1);
	}
	if (n)
		memcpy(copy, p, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
}

/* One mutation of in (n bytes) into out (room for 2n + 16); returns its length. */
static size_t mutate(const uint8_t *in, size_t n, uint8_t *out)
{
	static const uint8_t interesting[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
					      0x0c, 0x1e, 0x30, 0x31, 0x7f, 0x80, 0x81,
					      0x82, 0x84, 0x87, 0xa0, 0xff};
	memcpy(out, in, n);
	if (n == 0)
		return 0;
	switch (next() % 8) {
	case 0: /* one bit */
	case 1: {
		size_t bit = below(n * 8);
		out[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		return n;
	}
	case 2: /* a few bits */
		for (int k = 1 + (int)below(6); k > 0; k--) {
			size_t bit = below(n * 8);
			out[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		return n;
	case 3: /* truncate */
		return below(n);
	case 4: /* an interesting byte, favouring the headers at the front */
		out[next() % 2 ? below(n < 64 ? n : 64) : below(n)] =
		    interesting[below(sizeof(interesting))];
		return n;
	case 5: { /* delete a range */
		size_t at = below(n), len = 1 + below(n - at < 16 ? n - at : 16);
		memmove(out + at, out + at + len, n - at - len);
		return n - len;
	}
	case 6: { /* duplicate a range */
		size_t at = below(n), len = 1 + below(n - at < 16 ? n - at : 16);
		memmove(out + at + len, out + at, n - at);
		return n + len;
	}
	default: { /* a length byte off by one */
		size_t at = below(n);
		out[at] = (uint8_t)(out[at] + (next() % 2 ? 1 : -1));
		return n;
	}
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long replay_file(const char *path, unsigned long mutations)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return 0;
	uint8_t *buf = malloc(MAX_FILE);
	uint8_t *mut = malloc(2 * MAX_FILE + 16);
	if (buf == NULL || mut == NULL) {
		perror("replay");
		exit(1);
	}
	size_t n = fread(buf, 1, MAX_FILE, f);
	fclose(f);
	run(buf, n);
	rng = UINT64_C(0x9e3779b97f4a7c15);
	for (const char *s = path; *s; s++)
		rng = (rng ^ (uint8_t)*s) * UINT64_C(0x100000001b3);
	if (rng == 0)
		rng = 1;
	for (unsigned long i = 0; i < mutations; i++)
		run(mut, mutate(buf, n, mut));
	free(mut);
	free(buf);
	return 1 + (long)mutations;
}

static long replay_dir(const char *dir, unsigned long mutations, long *files)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return -1;
	char **names = NULL;
	size_t count = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char **more = realloc(names, (count + 1) * sizeof(*names));
		size_t len = strlen(dir) + strlen(de->d_name) + 2;
		char *path = malloc(len);
		if (more == NULL || path == NULL) {
			perror("replay");
			exit(1);
		}
		names = more;
		snprintf(path, len, "%s/%s", dir, de->d_name);
		names[count++] = path;
	}
	closedir(d);
	qsort(names, count, sizeof(*names), by_name);
	long runs = 0;
	for (size_t i = 0; i < count; i++) {
		struct stat st;
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			runs += replay_file(names[i], mutations);
			(*files)++;
		}
		free(names[i]);
	}
	free(names);
	return runs;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	unsigned long mutations = 3000;
	const char *env = getenv("PRIVCA_FUZZ_MUTATIONS");
	if (env != NULL)
		mutations = strtoul(env, NULL, 10);
	long files = 0, runs = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			long r = replay_dir(argv[i], mutations, &files);
			if (r < 0) {
				fprintf(stderr, "%s: cannot read directory %s\n", argv[0], argv[i]);
				return 1;
			}
			runs += r;
		} else {
			runs += replay_file(argv[i], mutations);
			files++;
		}
	}
	if (files == 0) {
		fprintf(stderr, "%s: no inputs found\n", argv[0]);
		return 1;
	}
	fprintf(stderr, "%s: %ld inputs from %ld files, no crash\n", argv[0], runs, files);
	return 0;
}

#endif
