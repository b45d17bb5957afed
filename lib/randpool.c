/*
 * randpool.c - random bytes from the kernel, fetched in batches
 *
 * One pool per process, refilled from getrandom(2) when empty, each byte
 * handed out once and then wiped.  A pthread_atfork handler empties the
 * pool in the child, so a parent that drew before forking does not hand
 * its children the same bytes (the master forks every child).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

/* lib */
#include "log.h"
#include "randpool.h"

#define RANDPOOL_SIZE	256

static pthread_mutex_t	 randpool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t	 randpool_once = PTHREAD_ONCE_INIT;
static unsigned char	 randpool_buf[RANDPOOL_SIZE];
static size_t		 randpool_left;	/* unused bytes at the end */

/* randpool_forked - the child starts empty */

static void
randpool_forked(void)
{
	(void)pthread_mutex_init(&randpool_mu, NULL);
	explicit_bzero(randpool_buf, sizeof(randpool_buf));
	randpool_left = 0;
}

/* randpool_setup - register the fork handler */

static void
randpool_setup(void)
{
	if (pthread_atfork(NULL, NULL, randpool_forked) != 0)
		log_fatal("randpool: pthread_atfork failed");
}

/* randpool_fill - a fresh pool from the kernel (randpool_mu held) */

static void
randpool_fill(void)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got < sizeof(randpool_buf)) {
		n = getrandom(randpool_buf + got, sizeof(randpool_buf) - got,
		    0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_fatal("getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	randpool_left = sizeof(randpool_buf);
}

/* randpool_bytes - n random bytes */

void
randpool_bytes(void *p, size_t n)
{
	unsigned char	*out = p;
	unsigned char	*from;
	size_t		 k;

	(void)pthread_once(&randpool_once, randpool_setup);
	(void)pthread_mutex_lock(&randpool_mu);
	while (n > 0) {
		if (randpool_left == 0)
			randpool_fill();
		k = n < randpool_left ? n : randpool_left;
		from = randpool_buf + sizeof(randpool_buf) - randpool_left;
		memcpy(out, from, k);
		explicit_bzero(from, k);
		randpool_left -= k;
		out += k;
		n -= k;
	}
	(void)pthread_mutex_unlock(&randpool_mu);
}

/* randpool_u16 - a random 16-bit value */

uint16_t
randpool_u16(void)
{
	uint16_t	 v;

	randpool_bytes(&v, sizeof(v));
	return (v);
}
