/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The job pool: a bounded set of threads (MaxConcurrentTeardowns) that run
 * teardown jobs (reap_run()) off the event loop. Finished jobs go to a done
 * list and an eventfd wakes the loop, which hands them to the done callback.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

typedef struct TeardownJob TeardownJob;

/* The finished jobs, linked by ->next; the callback owns them. On the event loop. */
typedef void (*JobPoolDone)(TeardownJob *done, void *userdata);

typedef struct JobPool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	TeardownJob *queue, *queue_tail;
	TeardownJob *done;
	unsigned n_threads;
	pthread_t *threads;
	bool stopping;
	int efd;                /* eventfd: a job finished */
	sd_event_source *source;
	unsigned running;
	unsigned queued;
	JobPoolDone done_cb;
	void *userdata;
} JobPool;

#define JOB_POOL_INIT { .efd = -EBADF }

/*
 * Starts n_threads threads, named "td-pool-N", and the loop's eventfd
 * source. On failure the threads already started stay for job_pool_stop().
 */
int job_pool_start(JobPool *pool, sd_event *e, unsigned n_threads, JobPoolDone done, void *userdata);
/* Lets running and queued jobs finish, then hands them to the done callback. NULL-safe on a pool never started. */
void job_pool_stop(JobPool *pool);
bool job_pool_is_running(const JobPool *pool);
/* Queues j. -ESHUTDOWN when the pool is not running. */
int job_pool_submit(JobPool *pool, TeardownJob *j);
/* Jobs queued or running: each holds a pidfd. */
unsigned job_pool_pending(JobPool *pool);
