/* json.h - JSON helpers over cJSON.
 *
 * brainsmith uses cJSON (Debian libcjson) as its JSON tree.  These helpers
 * add what cJSON lacks: loading a file with an error that names the file,
 * line and column; typed getters that report the offending field; and
 * deterministic printing matching Python's json.dumps(indent=2) closely
 * enough for FINN-compatible reports (see bs_json_dump_finn). */
#ifndef BRAINSMITH_JSON_H
#define BRAINSMITH_JSON_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/* Parses text; on error BS_EPARSE with "<what>:<line>:<col>: ..." detail.
 * `what` names the source in messages (a path, "request body"). */
int bs_json_parse(const char *text, size_t len, const char *what, cJSON **out);
int bs_json_load_file(const char *path, cJSON **out);
/* Writes JSON text atomically; pretty = 2-space indentation. */
int bs_json_save_file(const char *path, const cJSON *j, bool pretty);

/* Getters: return 0 and set *out; BS_ENOTFOUND when the key is missing;
 * BS_EINVAL (naming `key` and what was expected) when the type is wrong. */
int bs_json_get_str(const cJSON *obj, const char *key, const char **out);
int bs_json_get_i64(const cJSON *obj, const char *key, int64_t *out);
int bs_json_get_double(const cJSON *obj, const char *key, double *out);
int bs_json_get_bool(const cJSON *obj, const char *key, bool *out);

/* Prints like Python's json.dumps(obj, indent=2): ", " / ": " separators,
 * floats with repr() round-trip formatting (e.g. 1e-05, 2.5, 100000.0).
 * Returns malloc'd text. */
char *bs_json_print_py(const cJSON *j, int indent);
/* Formats a double as Python's repr() does (shortest round-trip). buf >= 32. */
char *bs_fmt_py_float(double v, char *buf, size_t n);
/* A number node that prints as a Python float (repr: "2.0", "1e-05",
 * "Infinity" and "NaN" as Python's json does).  cJSON cannot tell 2 from 2.0,
 * so FINN-format reports create their floats with this (a cJSON Raw node);
 * it reads back as a plain number. */
cJSON *bs_json_py_float(double v);

#endif
