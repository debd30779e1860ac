/* onnx.c - load/save ONNX ModelProto through the protobuf-c code generated at
 * build time from onnx.proto.  Lossless by construction: protobuf-c keeps
 * unknown fields and packs every field back. */
#include "brainsmith/onnx.h"
#include "brainsmith/error.h"
#include "brainsmith/util.h"
#include "onnx.pb-c.h"

#include <stdlib.h>
#include <string.h>

int bs_onnx_load_mem(const void *buf, size_t len, const char *what, Onnx__ModelProto **out)
{
    *out = NULL;
    if (!what) what = "memory";
    if (len > BS_ONNX_MAX_BYTES)
        return bs_error_set(BS_ERANGE, "%s: %zu bytes is larger than the %zu byte limit",
                            what, len, (size_t)BS_ONNX_MAX_BYTES);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    if (!m)
        return bs_error_set(BS_EPARSE, "%s: not a valid ONNX ModelProto (protobuf decoding failed)",
                            what);
    if (!m->graph) {
        onnx__model_proto__free_unpacked(m, NULL);
        return bs_error_set(BS_ECORRUPT, "%s: ModelProto has no graph (field 7)", what);
    }
    *out = m;
    return 0;
}

int bs_onnx_load_file(const char *path, Onnx__ModelProto **out)
{
    char *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = bs_read_file(path, &data, &len);
    if (rc < 0) return rc;
    rc = bs_onnx_load_mem(data, len, path, out);
    free(data);
    return rc;
}

int bs_onnx_pack(const Onnx__ModelProto *m, uint8_t **buf, size_t *len)
{
    size_t n = onnx__model_proto__get_packed_size(m);
    uint8_t *b = malloc(n ? n : 1);
    if (!b) return bs_error_set(BS_ENOMEM, "onnx: packing %zu bytes", n);
    size_t w = onnx__model_proto__pack(m, b);
    if (w != n) {
        free(b);
        return bs_error_set(BS_EINTERNAL, "onnx: packed %zu of %zu bytes", w, n);
    }
    *buf = b;
    *len = n;
    return 0;
}

int bs_onnx_save_file(const char *path, const Onnx__ModelProto *m)
{
    uint8_t *b;
    size_t n;
    int rc = bs_onnx_pack(m, &b, &n);
    if (rc < 0) return rc;
    rc = bs_write_file_atomic(path, b, n);
    free(b);
    return rc;
}

void bs_onnx_free(Onnx__ModelProto *m)
{
    if (m) onnx__model_proto__free_unpacked(m, NULL);
}

bool bs_onnx_equal(const Onnx__ModelProto *a, const Onnx__ModelProto *b)
{
    uint8_t *ba = NULL, *bb = NULL;
    size_t na = 0, nb = 0;
    bool eq = false;
    if (bs_onnx_pack(a, &ba, &na) == 0 && bs_onnx_pack(b, &bb, &nb) == 0)
        eq = na == nb && memcmp(ba, bb, na) == 0;
    free(ba);
    free(bb);
    return eq;
}

static const struct { int32_t code; const char *name; size_t size; } elem_types[] = {
    {0, "UNDEFINED", 0}, {1, "FLOAT", 4},   {2, "UINT8", 1},   {3, "INT8", 1},
    {4, "UINT16", 2},    {5, "INT16", 2},   {6, "INT32", 4},   {7, "INT64", 8},
    {8, "STRING", 0},    {9, "BOOL", 1},    {10, "FLOAT16", 2}, {11, "DOUBLE", 8},
    {12, "UINT32", 4},   {13, "UINT64", 8}, {14, "COMPLEX64", 8}, {15, "COMPLEX128", 16},
    {16, "BFLOAT16", 2},
};

const char *bs_onnx_elem_name(int32_t t)
{
    for (size_t i = 0; i < sizeof elem_types / sizeof elem_types[0]; i++)
        if (elem_types[i].code == t) return elem_types[i].name;
    return "UNDEFINED";
}

size_t bs_onnx_elem_size(int32_t t)
{
    for (size_t i = 0; i < sizeof elem_types / sizeof elem_types[0]; i++)
        if (elem_types[i].code == t) return elem_types[i].size;
    return 0;
}
