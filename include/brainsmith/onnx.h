/* onnx.h - ONNX protobuf load/save (module lib/onnx).
 *
 * The C structs are generated at build time by protoc-c from Debian's
 * /usr/include/onnx/onnx.proto (never committed); include
 * "onnx.pb-c.h" (on the include path of every target linking bs_onnx) to
 * read them.  This layer is lossless: protobuf-c keeps every field,
 * including ones brainsmith never looks at (metadata_props, doc strings,
 * value_info, quantization_annotation, functions, training_info) and even
 * fields unknown to ONNX 1.12 (kept as unknown fields and written back), so
 * load -> save -> load gives an equal message.
 *
 * Most code should not use this header directly: lib/ir (ir.h) imports a
 * ModelProto into an editable graph and exports it back. */
#ifndef BRAINSMITH_ONNX_H
#define BRAINSMITH_ONNX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Onnx__ModelProto Onnx__ModelProto;

/* Largest file/buffer accepted (bytes); bigger inputs fail with BS_ERANGE. */
#define BS_ONNX_MAX_BYTES ((size_t)2 << 30)

/* Parses a serialized ModelProto.  Fails with BS_EPARSE ("<what>: not a valid
 * ONNX ModelProto") on malformed bytes and BS_ECORRUPT when the model has no
 * graph.  `what` names the source in messages (a path or "memory").
 * Free the result with bs_onnx_free. */
int bs_onnx_load_mem(const void *buf, size_t len, const char *what, Onnx__ModelProto **out);
/* Reads and parses a file (errors name the path). */
int bs_onnx_load_file(const char *path, Onnx__ModelProto **out);
/* Serializes; *buf is malloc'd (free() it). */
int bs_onnx_pack(const Onnx__ModelProto *m, uint8_t **buf, size_t *len);
/* Serializes and writes atomically (temp file + rename). */
int bs_onnx_save_file(const char *path, const Onnx__ModelProto *m);
/* Frees a model returned by bs_onnx_load_*.  NULL is fine. */
void bs_onnx_free(Onnx__ModelProto *m);
/* True when both serialize to the same bytes (protobuf-c packs fields in
 * field-number order, so this is message equality including unknown fields). */
bool bs_onnx_equal(const Onnx__ModelProto *a, const Onnx__ModelProto *b);

/* Name of an ONNX TensorProto.DataType ("FLOAT", "INT64", ...; "UNDEFINED"
 * for unknown codes) and its element size in bytes (0 when not fixed-size). */
const char *bs_onnx_elem_name(int32_t elem_type);
size_t bs_onnx_elem_size(int32_t elem_type);

#endif
