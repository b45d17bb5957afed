/*
 * fuzz_fleet_status.c - a node's status key as the fleet's Redis hands
 * it back (fleet/fleet_status.h): what parses must format and parse
 * back to the same thing
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fleet_status.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_status a, b;
	struct buf	*why = buf_new(64), *t;
	size_t		 i;

	if (fleet_status_parse((const char *)data, size, &a, why) == 0) {
		if (a.nalerts > FLEET_STATUS_ALERTS)
			abort();
		for (i = 0; i < a.nalerts; i++)
			if (memchr(a.alert[i].id, '\0',
			    sizeof(a.alert[i].id)) == NULL ||
			    memchr(a.alert[i].text, '\0',
			    sizeof(a.alert[i].text)) == NULL)
				abort();
		t = buf_new(256);
		fleet_status_format(&a, t);
		if (fleet_status_parse(t->data, buf_len(t), &b, why) < 0 ||
		    a.generation != b.generation || a.started != b.started ||
		    a.messages_5m != b.messages_5m || a.nalerts != b.nalerts)
			abort();
		for (i = 0; i < a.nalerts; i++)
			if (strcmp(a.alert[i].id, b.alert[i].id) != 0 ||
			    strcmp(a.alert[i].severity, b.alert[i].severity) !=
			    0 || strcmp(a.alert[i].text, b.alert[i].text) != 0)
				abort();
		buf_free(t);
	}
	buf_free(why);
	return (0);
}
