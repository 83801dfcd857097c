/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The job pool: teardown jobs run on a bounded set of threads
 * (MaxConcurrentTeardowns), off the event loop, each calling reap_run(),
 * which starts the policy's workers in the policy's threaded cgroup. A
 * finished job goes to the done list and an eventfd wakes the loop, which
 * hands the list to the done callback (teardown.c records them).
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>

#include "job-pool.h"
#include "teardown.h"
#include "teardownd/log.h"
#include "teardownd/time-util.h"

static void *pool_thread(void *p) {
	JobPool *pool = p;

	for (;;) {
		TeardownJob *j;
		uint64_t one = 1;

		pthread_mutex_lock(&pool->lock);
		while (!pool->queue && !pool->stopping)
			pthread_cond_wait(&pool->cond, &pool->lock);
		if (!pool->queue) { /* stopping and nothing left */
			pthread_mutex_unlock(&pool->lock);
			return NULL;
		}
		j = pool->queue;
		pool->queue = j->next;
		if (!pool->queue)
			pool->queue_tail = NULL;
		pool->queued--;
		pool->running++;
		pthread_mutex_unlock(&pool->lock);

		j->next = NULL;
		j->queued_usec = now_usec(CLOCK_MONOTONIC) - j->submitted_usec;
		j->r = reap_run(j->pidfd, &j->options, &j->result);

		pthread_mutex_lock(&pool->lock);
		pool->running--;
		j->next = pool->done;
		pool->done = j;
		pthread_mutex_unlock(&pool->lock);

		if (write(pool->efd, &one, sizeof(one)) < 0)
			log_debug_errno(negative_errno(), "eventfd write failed, ignoring: %m");
	}
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
	JobPool *pool = userdata;
	TeardownJob *done;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug_errno(negative_errno(), "eventfd read failed, ignoring: %m");

	pthread_mutex_lock(&pool->lock);
	done = pool->done;
	pool->done = NULL;
	pthread_mutex_unlock(&pool->lock);

	if (done)
		pool->done_cb(done, pool->userdata);
	return 0;
}

int job_pool_start(JobPool *pool, sd_event *e, unsigned n_threads, JobPoolDone done, void *userdata) {
	int r;

	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->cond, NULL);
	pool->done_cb = done;
	pool->userdata = userdata;
	pool->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pool->efd < 0)
		return negative_errno();
	r = sd_event_add_io(e, &pool->source, pool->efd, EPOLLIN, on_done, pool);
	if (r < 0)
		return r;
	(void) sd_event_source_set_description(pool->source, "teardown-done");
	(void) sd_event_source_set_exit_on_failure(pool->source, true); /* without it no job is ever recorded */

	pool->threads = calloc(n_threads, sizeof(pthread_t));
	if (!pool->threads)
		return -ENOMEM;
	for (unsigned i = 0; i < n_threads; i++) {
		char name[16];

		r = pthread_create(&pool->threads[i], NULL, pool_thread, pool);
		if (r != 0)
			return -r;
		pool->n_threads++;
		snprintf(name, sizeof(name), "td-pool-%u", i % 10000000);
		(void) pthread_setname_np(pool->threads[i], name);
	}
	return 0;
}

void job_pool_stop(JobPool *pool) {
	if (!pool->threads)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	/* running jobs finish: a teardown half done would leave a parked mm to the kernel's timeout */
	for (unsigned i = 0; i < pool->n_threads; i++)
		pthread_join(pool->threads[i], NULL);
	free(pool->threads);
	pool->threads = NULL;
	pool->n_threads = 0;
	on_done(NULL, pool->efd, 0, pool);
	pool->source = sd_event_source_disable_unref(pool->source);
	pool->efd = safe_close(pool->efd);
	pthread_cond_destroy(&pool->cond);
	pthread_mutex_destroy(&pool->lock);
}

bool job_pool_is_running(const JobPool *pool) {
	return pool->threads && !pool->stopping;
}

int job_pool_submit(JobPool *pool, TeardownJob *j) {
	if (!job_pool_is_running(pool))
		return -ESHUTDOWN;
	j->submitted_usec = now_usec(CLOCK_MONOTONIC);
	pthread_mutex_lock(&pool->lock);
	j->next = NULL;
	if (pool->queue_tail)
		pool->queue_tail->next = j;
	else
		pool->queue = j;
	pool->queue_tail = j;
	pool->queued++;
	pthread_cond_signal(&pool->cond);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

unsigned job_pool_pending(JobPool *pool) {
	unsigned n;

	if (!pool->threads)
		return 0;
	pthread_mutex_lock(&pool->lock);
	n = pool->queued + pool->running;
	pthread_mutex_unlock(&pool->lock);
	return n;
}
