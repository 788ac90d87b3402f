/*
 * The group-commit queue both store backends write through: callers queue
 * jobs, one writer thread takes up to group_max of them at a time and hands
 * the group to the backend's commit, which runs them in one transaction
 * and sets each job's result. A sync caller sleeps until its group is
 * committed; an async job is freed by the writer once its group is.
 *
 * struct batch_job is embedded (first) in the backend's own job type; the
 * backend's commit casts back. Everything here is guarded by the queue's
 * mutex; commit runs outside it, on the writer thread only.
 */
#ifndef PRIVCA_STORE_BATCH_H
#define PRIVCA_STORE_BATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct batch_job {
	struct batch_job *next;
	void (*free_job)(struct batch_job *j); /* async only: the writer frees j */
	pthread_cond_t cv;		       /* sync: signalled when done */
	bool async, done;
};

struct batch_queue {
	pthread_mutex_t mu; /* guards everything below and the writer's life */
	pthread_cond_t cv;  /* writer: work arrived, or stop */
	struct batch_job *head, *tail;
	bool running, stopping;
	pthread_t writer;
	size_t group_max;
	/* Commit batch (linked by next, NULL-terminated) and set each job's
	 * result in the backend's job; must not touch next or done. */
	void (*commit)(void *ctx, struct batch_job *batch);
	/* Called on the writer once a group's callers are answered, outside
	 * mu (NULL: nothing): work that must not make them wait. */
	void (*after)(void *ctx);
	void *ctx;
};

/* Set up q; the writer thread starts with the first job. */
void batch_init(struct batch_queue *q, size_t group_max,
		void (*commit)(void *ctx, struct batch_job *batch), void (*after)(void *ctx),
		void *ctx);
/* Queue j and wait until its group is committed (or failed: commit set
 * the result). False if the queue is stopping or no writer could start;
 * then j was never run. */
bool batch_submit(struct batch_queue *q, struct batch_job *j);
/* Queue j (malloc'd, with free_job) and return at once. False if it could
 * not be queued; j has then been freed with free_job already. */
bool batch_submit_async(struct batch_queue *q, struct batch_job *j);
/* Refuse new jobs, let the writer finish every queued one, join it. */
void batch_stop(struct batch_queue *q);
/* After batch_stop. */
void batch_destroy(struct batch_queue *q);

#endif
