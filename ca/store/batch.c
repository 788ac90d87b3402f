/*
 * The code in this file implements batch.h: the group-commit queue.
 */
#include "batch.h"

/* Take up to group_max jobs off the queue (under mu). */
static struct batch_job *take_group(struct batch_queue *q)
{
	struct batch_job *batch = q->head, *last = batch;
	for (size_t n = 1; last->next != NULL && n < q->group_max; n++)
		last = last->next;
	q->head = last->next;
	if (q->head == NULL)
		q->tail = NULL;
	last->next = NULL;
	return batch;
}

static void *writer_main(void *arg)
{
	struct batch_queue *q = arg;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->head == NULL && !q->stopping)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->head == NULL)
			break; /* stopping, and every queued job is done */
		struct batch_job *batch = take_group(q);
		pthread_mutex_unlock(&q->mu);
		q->commit(q->ctx, batch);
		pthread_mutex_lock(&q->mu);
		for (struct batch_job *j = batch, *next; j; j = next) {
			next = j->next; /* a sync job lives on its caller's stack */
			if (j->async) {
				j->free_job(j);
				continue;
			}
			j->done = true;
			pthread_cond_signal(&j->cv);
		}
		if (q->after != NULL) {
			pthread_mutex_unlock(&q->mu);
			q->after(q->ctx);
			pthread_mutex_lock(&q->mu);
		}
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Queue j (under mu), starting the writer if it is not running. */
static bool enqueue(struct batch_queue *q, struct batch_job *j)
{
	if (!q->stopping && !q->running && pthread_create(&q->writer, NULL, writer_main, q) == 0)
		q->running = true;
	if (q->stopping || !q->running)
		return false;
	j->next = NULL;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	pthread_cond_signal(&q->cv);
	return true;
}

void batch_init(struct batch_queue *q, size_t group_max,
		void (*commit)(void *ctx, struct batch_job *batch), void (*after)(void *ctx),
		void *ctx)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->head = q->tail = NULL;
	q->running = q->stopping = false;
	q->group_max = group_max;
	q->commit = commit;
	q->after = after;
	q->ctx = ctx;
}

bool batch_submit(struct batch_queue *q, struct batch_job *j)
{
	j->async = false;
	j->done = false;
	pthread_cond_init(&j->cv, NULL);
	pthread_mutex_lock(&q->mu);
	if (enqueue(q, j))
		while (!j->done)
			pthread_cond_wait(&j->cv, &q->mu);
	bool ran = j->done;
	pthread_mutex_unlock(&q->mu);
	pthread_cond_destroy(&j->cv);
	return ran;
}

bool batch_submit_async(struct batch_queue *q, struct batch_job *j)
{
	j->async = true;
	pthread_mutex_lock(&q->mu);
	bool queued = enqueue(q, j);
	pthread_mutex_unlock(&q->mu);
	if (!queued)
		j->free_job(j);
	return queued;
}

void batch_stop(struct batch_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	bool running = q->running;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	if (running)
		pthread_join(q->writer, NULL);
	pthread_mutex_lock(&q->mu);
	q->running = false;
	pthread_mutex_unlock(&q->mu);
}

void batch_destroy(struct batch_queue *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
}
