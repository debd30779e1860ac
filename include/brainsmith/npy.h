/* npy.h - NumPy .npy files (format 1.0/2.0/3.0), so users pass inputs and
 * outputs the way FINN does (verify_input_npy / expected_output.npy).
 * Part of lib/exec.
 *
 * Reads little- and big-endian float32/64, int8..64, uint8..64 and bool,
 * C or Fortran order; the result is always a C-order bs_value in the native
 * type.  Writes C-order little-endian format 1.0 files. */
#ifndef BRAINSMITH_NPY_H
#define BRAINSMITH_NPY_H

#include <stddef.h>

#include "brainsmith/exec.h"

/* Parses .npy bytes; errors (BS_EPARSE / BS_EUNSUPPORTED) name `what` and the
 * bad header field. out must be zero-initialised or freed; owned after. */
int bs_npy_parse(const void *buf, size_t len, const char *what, bs_value *out);
int bs_npy_read(const char *path, bs_value *out);
/* Serializes v; *buf is malloc'd. */
int bs_npy_pack(const bs_value *v, char **buf, size_t *len);
int bs_npy_write(const char *path, const bs_value *v);

#endif
