/*
 * sjson.h - small helpers for the JSON the statistics code writes
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SJSON_H
#define WINNOW_SJSON_H

#include <stdint.h>

#include <jansson.h>

/* A JSON string of any bytes: text that is not UTF-8 keeps its valid
 * parts, each other byte written as \xNN (never NULL). */
json_t	*sjson_str(const char *);

/* A JSON integer of an unsigned 64-bit counter (JSON's integers are
 * signed: larger values are clamped). */
json_t	*sjson_u64(uint64_t);

#endif /* WINNOW_SJSON_H */
