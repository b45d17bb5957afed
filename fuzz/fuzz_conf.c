/*
 * fuzz_conf.c - the configuration file parser on arbitrary bytes
 *
 * A broken configuration must produce errors, never a crash; a failed load
 * must leave the previous values in place.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "server.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int	 ready;
	static char	 path[64];
	struct buf	*err = buf_new(256);
	unsigned int	 before;
	FILE		*fp;

	if (!ready) {
		server_register_all();
		(void)snprintf(path, sizeof(path), "/tmp/winnow-fuzzconf.%d",
		    getpid());
		ready = 1;
	}
	if ((fp = fopen(path, "w")) == NULL)
		return (0);
	(void)fwrite(data, 1, len, fp);
	(void)fclose(fp);
	before = server_conf.max_children;
	if (conf_load(path, err) != 0 && server_conf.max_children != before)
		abort();		/* a failed load changed a value */
	buf_free(err);
	return (0);
}
