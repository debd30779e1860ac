/* datatype.h - QONNX datatypes (finn-reference §4): BINARY, BIPOLAR, TERNARY,
 * INTn, UINTn, FIXED<w,i>, SCALEDINT<n>, FLOAT32, FLOAT16, FLOAT<e,m,b>.
 *
 * A bs_dt is a small value type (copy it freely, compare with bs_dt_eq).
 * Names are parsed and printed exactly as QONNX spells them ("BINARY" is
 * UINT1; "FIXED<8,3>"; "FLOAT<5,10,15>" always with 3 fields), because they
 * are written into ONNX annotations and FINN attributes (inputDataType, ...).
 * Part of the ir module (lib/ir/datatype.c). */
#ifndef BRAINSMITH_DATATYPE_H
#define BRAINSMITH_DATATYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum bs_dt_kind {
    BS_DT_INVALID = 0,
    BS_DT_UINT,      /* UINTn, n = 1..64; UINT1 prints as "BINARY" */
    BS_DT_INT,       /* INTn, n = 1..64 (INT1 = {-1, 0}) */
    BS_DT_BIPOLAR,   /* {-1, +1}, 1 bit */
    BS_DT_TERNARY,   /* {-1, 0, +1}, 2 bits */
    BS_DT_FIXED,     /* FIXED<bits, ibits>, signed, ibits < bits */
    BS_DT_SCALEDINT, /* SCALEDINT<bits>; min/max undefined (cost analysis only) */
    BS_DT_FLOAT32,
    BS_DT_FLOAT16,
    BS_DT_FLOAT,     /* FLOAT<ebits, mbits, bias> (arbitrary minifloat) */
} bs_dt_kind;

typedef struct bs_dt {
    uint8_t kind;   /* bs_dt_kind */
    uint8_t bits;   /* total bit width */
    uint8_t ibits;  /* FIXED: integer bits; FLOAT: exponent bits */
    uint8_t mbits;  /* FLOAT: mantissa bits */
    int16_t bias;   /* FLOAT: exponent bias */
} bs_dt;

/* Longest name bs_dt_name can produce, including the NUL. */
#define BS_DT_NAME_MAX 32

/* Constructors. bs_dt_int/uint accept 1..64 (others give BS_DT_INVALID). */
bs_dt bs_dt_int(int bits);
bs_dt bs_dt_uint(int bits);
bs_dt bs_dt_make(bs_dt_kind kind);  /* BIPOLAR, TERNARY, FLOAT32, FLOAT16 */
bs_dt bs_dt_fixed(int bits, int ibits);
#define BS_DT_BINARY_V ((bs_dt){BS_DT_UINT, 1, 0, 0, 0})
#define BS_DT_FLOAT32_V ((bs_dt){BS_DT_FLOAT32, 32, 0, 0, 0})

/* Parses a QONNX name (finn-reference §4.2: exact specials, UINT before INT,
 * FIXED<w,i>, SCALEDINT<n>, FLOAT<e,m[,b]>; whitespace inside <> tolerated).
 * Returns 0, or BS_EPARSE naming the text. */
int bs_dt_parse(const char *name, bs_dt *out);
/* Canonical name into buf (>= BS_DT_NAME_MAX); returns buf. */
const char *bs_dt_name(bs_dt dt, char *buf);
/* Same, in a static per-thread ring of 8 buffers (for printf arguments). */
const char *bs_dt_str(bs_dt dt);

bool bs_dt_eq(bs_dt a, bs_dt b);
bool bs_dt_valid(bs_dt dt);
int bs_dt_bitwidth(bs_dt dt);
bool bs_dt_signed(bs_dt dt);
bool bs_dt_is_integer(bs_dt dt);      /* UINT/INT/BIPOLAR/TERNARY */
bool bs_dt_is_fixed_point(bs_dt dt);
bool bs_dt_is_float(bs_dt dt);        /* FLOAT32/FLOAT16/FLOAT<> */
/* Smallest / largest representable value (SCALEDINT: NaN, as QONNX raises). */
double bs_dt_min(bs_dt dt);
double bs_dt_max(bs_dt dt);
/* Number of representable values of an integer type (|min|+|max|+1). */
double bs_dt_num_values(bs_dt dt);
/* QONNX allowed(value): integer types need an integral value in [min,max];
 * BIPOLAR only -1/+1; FIXED: value/2^-(frac) is an INTw value; floats: all
 * (FLOAT<> checks exact representability). */
bool bs_dt_allowed(bs_dt dt, double v);
/* QONNX get_smallest_possible(v): FLOAT32 for non-integral v, else the first
 * of BINARY, UINT1..64, BIPOLAR, TERNARY, INT1..64 that holds v (so -1 gives
 * BIPOLAR, as QONNX does). */
bs_dt bs_dt_smallest(double v);
/* FINN's idiom for a range [lo, hi] (§4.3): signed ranges use
 * smallest(lo) if |lo| > hi else smallest(-hi-1); unsigned use smallest(hi). */
bs_dt bs_dt_smallest_range(double lo, double hi);
/* HLS type name ("ap_uint<4>", "ap_int<2>", "ap_fixed<8, 3>", "float",
 * "half") into buf (>= BS_DT_NAME_MAX); NULL when HLS has none. */
const char *bs_dt_hls_type(bs_dt dt, char *buf);

#endif
