/*
 * live.c - the live file: header, scoreboard, counters, groups, history
 *
 * One fixed layout, computed from the number of history entries and
 * recorded in the header so a reader of another build refuses a file it
 * does not understand instead of misreading it:
 *
 *	header		(one page)
 *	scoreboard	struct scoreboard
 *	cells		LIVE_CELLS x (key, value)
 *	flushed		LIVE_CELLS x value, parallel to cells
 *	groups		LIVE_GROUPS x name
 *	history		hist_cap x struct history_entry
 *
 * The counter table is open addressing without deletion: a key, once
 * claimed by compare-and-swap, keeps its cell for the master's life, so a
 * cell's index is a stable name for it (the flushed column relies on
 * that).  When the table is full, counts of new keys are dropped and
 * counted in the header's overflow field (a site would need hundreds of
 * groups for that).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* stats */
#include "history.h"
#include "live.h"
#include "svec.h"

#define LIVE_MAGIC	"WNLIVE1"
#define LIVE_VERSION	1
#define LIVE_CELLS	8192
#define LIVE_GROUPS	256		/* the last one is "other" */
#define LIVE_HDR_SIZE	4096

struct live_cell {
	volatile uint32_t key;
	uint32_t	 pad;
	volatile uint64_t val;
};

struct live_group {
	volatile uint32_t ready;
	char		 name[SVEC_NAME_MAX + 1];
};

struct live_hdr {
	char		 magic[8];
	uint32_t	 version;
	uint32_t	 hist_cap;
	uint64_t	 size;
	uint32_t	 entry_size;
	uint32_t	 ncells;
	uint32_t	 ngroups_max;
	uint32_t	 slots;
	volatile uint64_t info_seq;
	struct live_info info;
	volatile uint64_t flush_seq;
	volatile uint64_t hist_next;	/* the next entry's number */
	volatile uint32_t ngroups;	/* group entries claimed */
	volatile uint32_t overflow;	/* additions that found no cell */
};

struct live {
	unsigned char	*base;
	size_t		 size;
	struct live_hdr	*h;
	struct scoreboard *sb;
	struct live_cell *cell;
	volatile uint64_t *flushed;
	struct live_group *group;
	struct history_entry *hist;
	uint64_t	*snap;		/* master: the last snapshot */
	int		 private;
	int		 readonly;
	dev_t		 dev;		/* readers: the file mapped */
	ino_t		 ino;
};

/* live_align - round up to 64 bytes */

static size_t
live_align(size_t n)
{
	return ((n + 63) & ~(size_t)63);
}

/* live_layout - offsets of every part, and the whole size */

static size_t
live_layout(struct live *l, unsigned int hist)
{
	size_t	 off = LIVE_HDR_SIZE, sb, cells, fl, gr;

	sb = off;
	off = live_align(off + sizeof(struct scoreboard));
	cells = off;
	off = live_align(off + LIVE_CELLS * sizeof(struct live_cell));
	fl = off;
	off = live_align(off + LIVE_CELLS * sizeof(uint64_t));
	gr = off;
	off = live_align(off + LIVE_GROUPS * sizeof(struct live_group));
	if (l != NULL) {
		l->h = (struct live_hdr *)l->base;
		l->sb = (struct scoreboard *)(l->base + sb);
		l->cell = (struct live_cell *)(l->base + cells);
		l->flushed = (volatile uint64_t *)(l->base + fl);
		l->group = (struct live_group *)(l->base + gr);
		l->hist = (struct history_entry *)(l->base + off);
	}
	return (off + (size_t)hist * sizeof(struct history_entry));
}

/* live_init - a fresh header in new memory */

static void
live_init(struct live *l, unsigned int hist)
{
	struct live_hdr	*h = l->h;

	memcpy(h->magic, LIVE_MAGIC, sizeof(h->magic));
	h->version = LIVE_VERSION;
	h->hist_cap = hist;
	h->size = l->size;
	h->entry_size = sizeof(struct history_entry);
	h->ncells = LIVE_CELLS;
	h->ngroups_max = LIVE_GROUPS;
	h->slots = SCOREBOARD_SLOTS;
	h->hist_next = 1;
	(void)snprintf(l->group[LIVE_GROUPS - 1].name, SVEC_NAME_MAX + 1,
	    "other");
	l->group[LIVE_GROUPS - 1].ready = 1;
	l->snap = xcalloc(LIVE_CELLS, sizeof(*l->snap));
}

static char	*live_memdir;		/* where the memory lives, or NULL */

/* live_memory_dir - keep the live file's memory in dir (a tmpfs such as
 * /dev/shm), with [stats] dir/live a symbolic link to it */

void
live_memory_dir(const char *dir)
{
	free(live_memdir);
	live_memdir = dir != NULL && dir[0] != '\0' ? xstrdup(dir) : NULL;
}

/* live_link - dir/live a symbolic link to target, atomically; the file it
 * named before (a live file of ours in the memory directory) removed */

static int
live_link(const char *dir, const char *target, struct buf *why)
{
	char		 path[4096], tmp[4096], old[4096];
	const char	*base;
	ssize_t		 n;

	(void)snprintf(path, sizeof(path), "%s/live", dir);
	(void)snprintf(tmp, sizeof(tmp), "%s/live.link.%ld", dir,
	    (long)getpid());
	n = readlink(path, old, sizeof(old) - 1);
	old[n > 0 ? n : 0] = '\0';
	(void)unlink(tmp);
	if (symlink(target, tmp) < 0 || rename(tmp, path) < 0) {
		buf_printf(why, "cannot link %s to %s: %s", path, target,
		    strerror(errno));
		(void)unlink(tmp);
		return (-1);
	}
	base = strrchr(old, '/');
	if (n > 0 && live_memdir != NULL && base != NULL &&
	    strncmp(old, live_memdir, strlen(live_memdir)) == 0 &&
	    strncmp(base + 1, "winnowd-live.", 13) == 0)
		(void)unlink(old);
	return (0);
}

/* live_open_new - the file that will hold the memory: in the memory
 * directory (*target_r its name) or dir/live.new.PID */

static int
live_open_new(const char *dir, char *tmp, size_t len, int *linked,
    struct buf *why)
{
	int	 fd;

	*linked = 0;
	if (live_memdir != NULL && (size_t)snprintf(tmp, len,
	    "%s/winnowd-live.XXXXXX", live_memdir) < len) {
		if ((fd = mkostemp(tmp, O_CLOEXEC)) >= 0 &&
		    fchmod(fd, 0640) == 0) {
			*linked = 1;
			return (fd);
		}
		buf_printf(why, "cannot create %s: %s; ", tmp,
		    strerror(errno));
		if (fd >= 0) {
			(void)close(fd);
			(void)unlink(tmp);
		}
	}
	if ((size_t)snprintf(tmp, len, "%s/live.new.%ld", dir,
	    (long)getpid()) >= len) {
		buf_printf(why, "%s: path too long", dir);
		return (-1);
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) <
	    0)
		buf_printf(why, "cannot create %s: %s", tmp, strerror(errno));
	return (fd);
}

/* live_map_file - make the live file: allocated in full, then linked or
 * renamed into place as dir/live; 0, or -1 with why */

static int
live_map_file(struct live *l, const char *dir, gid_t gid, struct buf *why)
{
	char		 tmp[4096], path[4096];
	void		*p;
	int		 fd, err, linked;

	if ((size_t)snprintf(path, sizeof(path), "%s/live", dir) >=
	    sizeof(path)) {
		buf_printf(why, "%s: path too long", dir);
		return (-1);
	}
	if ((fd = live_open_new(dir, tmp, sizeof(tmp), &linked, why)) < 0)
		return (-1);
	/* Every block now, so no later write into the mapping can fail. */
	if ((err = posix_fallocate(fd, 0, (off_t)l->size)) != 0) {
		buf_printf(why, "cannot allocate %zu bytes for %s: %s",
		    l->size, tmp, strerror(err));
		goto fail;
	}
	if (gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) < 0) {
		buf_printf(why, "cannot give %s to group %ld: %s", tmp,
		    (long)gid, strerror(errno));
		goto fail;
	}
	p = mmap(NULL, l->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		buf_printf(why, "mmap %s: %s", tmp, strerror(errno));
		goto fail;
	}
	l->base = p;
	if (linked ? live_link(dir, tmp, why) < 0 : rename(tmp, path) < 0) {
		if (!linked)
			buf_printf(why, "rename %s: %s", tmp, strerror(errno));
		(void)munmap(p, l->size);
		goto fail;
	}
	(void)close(fd);
	return (0);
fail:
	(void)close(fd);
	(void)unlink(tmp);
	return (-1);
}

/* live_create - the master's live file, or private memory */

struct live *
live_create(const char *dir, unsigned int hist, gid_t gid, struct buf *why)
{
	struct live	*l = xcalloc(1, sizeof(*l));
	void		*p;

	if (hist == 0)
		hist = 1;
	l->size = live_layout(NULL, hist);
	if (dir == NULL || live_map_file(l, dir, gid, why) < 0) {
		p = mmap(NULL, l->size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			log_fatal("live: mmap of %zu bytes: %s", l->size,
			    strerror(errno));
		l->base = p;
		l->private = 1;
	}
	(void)live_layout(l, hist);
	live_init(l, hist);
	return (l);
}

/* live_is_private - no file behind it */

int
live_is_private(const struct live *l)
{
	return (l->private);
}

/* live_scoreboard - the scoreboard (master and children) */

struct scoreboard *
live_scoreboard(struct live *l)
{
	return (l->sb);
}

/* live_scoreboard_ro - the scoreboard (readers) */

const struct scoreboard *
live_scoreboard_ro(const struct live *l)
{
	return (l->sb);
}

/* scoreboard_idle - idle or starting children that are not stopping */

unsigned int
scoreboard_idle(const struct scoreboard *sb)
{
	unsigned int	 i, n = 0;

	for (i = 0; i < sb->nslots; i++) {
		const struct slot *sl = &sb->slot[i];

		if ((sl->state == CHILD_IDLE || sl->state == CHILD_STARTING) &&
		    !sl->stopping)
			n++;
	}
	return (n);
}

/* scoreboard_peer_count - busy children serving this client */

unsigned int
scoreboard_peer_count(const struct scoreboard *sb, const char *peer)
{
	unsigned int	 i, n = 0;

	for (i = 0; i < sb->nslots; i++)
		if (sb->slot[i].state == CHILD_BUSY &&
		    strncmp(sb->slot[i].peer, peer, sizeof(sb->slot[i].peer)) ==
		    0)
			n++;
	return (n);
}

/* live_set_info - publish the header */

void
live_set_info(struct live *l, const struct live_info *in)
{
	__atomic_add_fetch(&l->h->info_seq, 1, __ATOMIC_SEQ_CST);
	memcpy((void *)&l->h->info, in, sizeof(*in));
	__atomic_add_fetch(&l->h->info_seq, 1, __ATOMIC_SEQ_CST);
}

/* live_info - copy the header out */

void
live_info(const struct live *l, struct live_info *out)
{
	uint64_t	 s1, s2;

	do {
		while ((s1 = __atomic_load_n(&l->h->info_seq,
		    __ATOMIC_ACQUIRE)) & 1)
			(void)usleep(100);
		memcpy(out, (const void *)&l->h->info, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&l->h->info_seq, __ATOMIC_ACQUIRE);
	} while (s1 != s2);
	out->reload_text[LIVE_TEXT_MAX - 1] = '\0';
	out->model_path[LIVE_TEXT_MAX - 1] = '\0';
	out->flush_text[LIVE_TEXT_MAX - 1] = '\0';
}

/* live_close - unmap; a clean stop also removes the file */

void
live_close(struct live *l, int unlink_file, const char *dir)
{
	char	 path[4096];

	if (l == NULL)
		return;
	if (unlink_file && !l->private && dir != NULL &&
	    (size_t)snprintf(path, sizeof(path), "%s/live", dir) <
	    sizeof(path)) {
		char	 target[4096];
		ssize_t	 n = readlink(path, target, sizeof(target) - 1);

		if (n > 0) {
			target[n] = '\0';
			(void)unlink(target);
		}
		(void)unlink(path);
	}
	(void)munmap(l->base, l->size);
	free(l->snap);
	free(l);
}

/* live_release - a clean stop: a live file in the memory directory goes
 * (dir/live stays, a dangling link that says winnowd stopped); one in dir
 * itself stays readable (the last verdicts) */

void
live_release(struct live *l, const char *dir)
{
	char		 path[4096], target[4096];
	struct stat	 st;
	ssize_t		 n;

	if (l == NULL)
		return;
	(void)snprintf(path, sizeof(path), "%s/live", dir);
	if (!l->private && lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    (n = readlink(path, target, sizeof(target) - 1)) > 0) {
		target[n] = '\0';
		(void)unlink(target);
	}
	live_close(l, 0, NULL);
}

/* live_stopped - dir/live dangles: winnowd stopped cleanly */

int
live_stopped(const char *dir)
{
	char		 path[4096];
	struct stat	 st;

	(void)snprintf(path, sizeof(path), "%s/live", dir);
	return (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    stat(path, &st) < 0);
}

/* live_hash - the first cell to try for a key */

static size_t
live_hash(uint32_t k)
{
	k ^= k >> 16;
	k *= 0x7feb352dU;
	k ^= k >> 15;
	k *= 0x846ca68bU;
	k ^= k >> 16;
	return ((size_t)k & (LIVE_CELLS - 1));
}

/* live_add - add to a counter, claiming its cell if new */

void
live_add(struct live *l, uint32_t key, uint64_t n)
{
	struct live_cell *c;
	size_t		 i, probes;
	uint32_t	 k, zero;

	if (l == NULL || n == 0)
		return;
	i = live_hash(key);
	for (probes = 0; probes < LIVE_CELLS; probes++) {
		c = &l->cell[i];
		k = __atomic_load_n(&c->key, __ATOMIC_ACQUIRE);
		if (k == 0) {
			zero = 0;
			if (__atomic_compare_exchange_n(&c->key, &zero, key,
			    0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				k = key;
			else
				k = zero;	/* taken meanwhile: by whom? */
		}
		if (k == key) {
			__atomic_add_fetch(&c->val, n, __ATOMIC_RELAXED);
			return;
		}
		i = (i + 1) & (LIVE_CELLS - 1);
	}
	__atomic_add_fetch(&l->h->overflow, 1, __ATOMIC_RELAXED);
}

/* live_group - the id of a group name, registered if new */

unsigned int
live_group(struct live *l, const char *name)
{
	unsigned int	 i, n;

	n = __atomic_load_n(&l->h->ngroups, __ATOMIC_ACQUIRE);
	if (n > LIVE_GROUPS - 1)
		n = LIVE_GROUPS - 1;
	for (i = 0; i < n; i++)
		if (__atomic_load_n(&l->group[i].ready, __ATOMIC_ACQUIRE) &&
		    strncmp(l->group[i].name, name, SVEC_NAME_MAX) == 0)
			return (i);
	/* New: claim an entry (two processes may add the same name at once:
	 * readers merge groups by name, so that costs nothing). */
	i = __atomic_fetch_add(&l->h->ngroups, 1, __ATOMIC_ACQ_REL);
	if (i >= LIVE_GROUPS - 1)
		return (LIVE_GROUPS - 1);
	(void)snprintf(l->group[i].name, SVEC_NAME_MAX + 1, "%s",
	    name[0] != '\0' ? name : "none");
	__atomic_store_n(&l->group[i].ready, 1, __ATOMIC_RELEASE);
	return (i);
}

/* live_group_name - the name behind a live group id, or NULL */

static const char *
live_group_name(const struct live *l, unsigned int id)
{
	if (id >= LIVE_GROUPS ||
	    !__atomic_load_n(&l->group[id].ready, __ATOMIC_ACQUIRE))
		return (NULL);
	return (l->group[id].name);
}

/* live_put - one counter into a vector, its group by name */

static void
live_put(const struct live *l, struct svec *out, uint32_t key, uint64_t v)
{
	const char	*name;
	unsigned int	 m = SKEY_METRIC(key);

	if (v == 0 || m == 0 || m >= SM_NMETRICS)
		return;
	if (SMETRIC_HAS_GROUP(m)) {
		if ((name = live_group_name(l, SKEY_A(key))) == NULL)
			name = "other";
		key = SKEY(m, svec_group(out, name), SKEY_B(key),
		    SKEY_C(key));
	}
	svec_add(out, key, v);
}

/* live_flush_begin - a rollup starts (readers wait or retry) */

void
live_flush_begin(struct live *l)
{
	__atomic_add_fetch(&l->h->flush_seq, 1, __ATOMIC_SEQ_CST);
}

/* live_flush_end - the rollup is over */

void
live_flush_end(struct live *l)
{
	__atomic_add_fetch(&l->h->flush_seq, 1, __ATOMIC_SEQ_CST);
}

/* live_unflushed_snapshot - what to write now; remembered for commit */

void
live_unflushed_snapshot(struct live *l, struct svec *out)
{
	uint32_t	 key;
	size_t		 i;

	for (i = 0; i < LIVE_CELLS; i++) {
		key = __atomic_load_n(&l->cell[i].key, __ATOMIC_ACQUIRE);
		l->snap[i] = key == 0 ? 0 :
		    __atomic_load_n(&l->cell[i].val, __ATOMIC_RELAXED);
		if (key != 0)
			live_put(l, out, key, l->snap[i] - l->flushed[i]);
	}
}

/* live_flush_commit - the snapshot is in the store */

void
live_flush_commit(struct live *l)
{
	size_t	 i;

	for (i = 0; i < LIVE_CELLS; i++)
		if (l->snap[i] > l->flushed[i])
			__atomic_store_n(&l->flushed[i], l->snap[i],
			    __ATOMIC_RELEASE);
}

/* live_counted - every counter since the master started */

void
live_counted(const struct live *l, struct svec *out)
{
	uint32_t	 key;
	size_t		 i;

	for (i = 0; i < LIVE_CELLS; i++)
		if ((key = __atomic_load_n(&l->cell[i].key,
		    __ATOMIC_ACQUIRE)) != 0)
			live_put(l, out, key, __atomic_load_n(&l->cell[i].val,
			    __ATOMIC_RELAXED));
}

/* live_unflushed - counted but not yet in the store */

void
live_unflushed(const struct live *l, struct svec *out)
{
	uint64_t	 f, v;
	uint32_t	 key;
	size_t		 i;

	for (i = 0; i < LIVE_CELLS; i++) {
		if ((key = __atomic_load_n(&l->cell[i].key,
		    __ATOMIC_ACQUIRE)) == 0)
			continue;
		/* flushed first: the value only grows past it */
		f = __atomic_load_n(&l->flushed[i], __ATOMIC_ACQUIRE);
		v = __atomic_load_n(&l->cell[i].val, __ATOMIC_RELAXED);
		if (v > f)
			live_put(l, out, key, v - f);
	}
}

/* live_begin_read - flush_seq when no rollup is running */

uint64_t
live_begin_read(const struct live *l)
{
	uint64_t	 s;
	int		 i;

	for (i = 0; i < 50000; i++) {
		s = __atomic_load_n(&l->h->flush_seq, __ATOMIC_ACQUIRE);
		if ((s & 1) == 0)
			return (s);
		(void)usleep(100);
	}
	return (s & ~(uint64_t)1);	/* a master stuck mid-rollup */
}

/* live_end_read - whether the read was consistent */

int
live_end_read(const struct live *l, uint64_t seq)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return (__atomic_load_n(&l->h->flush_seq, __ATOMIC_ACQUIRE) == seq);
}

/* live_open - map dir/live read-only */

struct live *
live_open(const char *dir, struct buf *why)
{
	struct live	*l;
	struct live_hdr	 h;
	struct stat	 st;
	char		 path[4096];
	void		*p;
	int		 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/live", dir) >=
	    sizeof(path)) {
		buf_printf(why, "%s: path too long", dir);
		return (NULL);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && lstat(path, &st) == 0)
			buf_printf(why, "%s: winnowd is not running (it "
			    "stopped, and its live counters went with it)",
			    path);
		else
			buf_printf(why, "%s: %s", path, errno == ENOENT ?
			    "not there (is winnowd running?)" :
			    strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(h) ||
	    pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, LIVE_MAGIC, sizeof(h.magic)) != 0 ||
	    h.version != LIVE_VERSION || h.hist_cap == 0 ||
	    h.hist_cap > 10000000 || h.entry_size !=
	    sizeof(struct history_entry) || h.ncells != LIVE_CELLS ||
	    h.ngroups_max != LIVE_GROUPS || h.slots != SCOREBOARD_SLOTS ||
	    h.size != live_layout(NULL, h.hist_cap) ||
	    (off_t)h.size != st.st_size) {
		buf_printf(why, "%s: not a live file of this winnow version",
		    path);
		(void)close(fd);
		return (NULL);
	}
	p = mmap(NULL, h.size, PROT_READ, MAP_SHARED, fd, 0);
	(void)close(fd);
	if (p == MAP_FAILED) {
		buf_printf(why, "mmap %s: %s", path, strerror(errno));
		return (NULL);
	}
	l = xcalloc(1, sizeof(*l));
	l->base = p;
	l->size = h.size;
	l->readonly = 1;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	(void)live_layout(l, h.hist_cap);
	return (l);
}

/* live_replaced - whether dir/live is another file now */

int
live_replaced(const struct live *l, const char *dir)
{
	char		 path[4096];
	struct stat	 st;

	(void)snprintf(path, sizeof(path), "%s/live", dir);
	return (stat(path, &st) == 0 && (st.st_ino != l->ino ||
	    st.st_dev != l->dev));
}

/* live_master_alive - whether the master that made the file runs */

int
live_master_alive(const struct live *l)
{
	pid_t	 pid = l->h->info.master_pid;

	return (pid > 0 && (kill(pid, 0) == 0 || errno == EPERM));
}

/* live_hist_cap - entries in the ring */

unsigned int
live_hist_cap(const struct live *l)
{
	return (l->h->hist_cap);
}

/* live_hist_next - the number the next entry will get */

uint64_t
live_hist_next(const struct live *l)
{
	return (__atomic_load_n(&l->h->hist_next, __ATOMIC_ACQUIRE));
}

/* live_hist_claim - a number and its entry, marked as being written */

struct history_entry *
live_hist_claim(struct live *l, uint64_t *seq_r)
{
	struct history_entry *e;
	uint64_t	 seq;

	seq = __atomic_fetch_add(&l->h->hist_next, 1, __ATOMIC_ACQ_REL);
	e = &l->hist[(seq - 1) % l->h->hist_cap];
	__atomic_store_n(&e->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*seq_r = seq;
	return (e);
}

/* live_hist_publish - the entry is complete */

void
live_hist_publish(struct history_entry *e, uint64_t seq)
{
	__atomic_store_n(&e->seq, seq, __ATOMIC_RELEASE);
}

/* live_hist_at - the entry for a number */

const struct history_entry *
live_hist_at(const struct live *l, uint64_t seq)
{
	return (&l->hist[(seq - 1) % l->h->hist_cap]);
}
