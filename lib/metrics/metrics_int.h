/* metrics_int.h - private helpers shared by the report parsers of
 * lib/metrics: line scanning, lenient numbers, Vivado-style boxed tables
 * and a small tolerant XML reader.  Everything allocates in an arena. */
#ifndef BRAINSMITH_METRICS_INT_H
#define BRAINSMITH_METRICS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "brainsmith/arena.h"
#include "brainsmith/metrics.h"

/* ---- text (text.c) ---- */

/* Iterates lines of a buffer; line numbers are 1-based. */
typedef struct bs_lines {
    const char *p, *end;
    int lineno;
} bs_lines;
void bs_lines_init(bs_lines *it, const char *text, size_t len);
/* Next line without its '\n' / "\r\n": *s and *n; false at the end. */
bool bs_lines_next(bs_lines *it, const char **s, size_t *n);

/* Lenient number: accepts "1,234", "12.5 ns", "<0.001" (-> 0.001), "~0"
 * (-> 0), "-0.5", "1e-05"; false for "", "-", "?", "NA", "undef", "inf". */
bool bs_num(const char *s, size_t n, double *out);
/* Trimmed copy into the arena. */
char *bs_trim_dup(bs_arena *a, const char *s, size_t n);
/* True if [s,n) starts with prefix (after leading spaces if skip_ws). */
bool bs_starts(const char *s, size_t n, const char *prefix, bool skip_ws);
/* True if needle occurs in [s, s+n) (case-sensitive: tools print fixed keywords). */
bool bs_contains(const char *s, size_t n, const char *needle);
/* Base name of a path (points into path). */
const char *bs_base(const char *path);

/* A Vivado "| Key : value" header field, or NULL; value trimmed, in arena. */
char *bs_rpt_header(bs_arena *a, const char *text, size_t len, const char *key);

/* A boxed table (+---+ borders, | separated).  row 0 is the header (header
 * lines before the second border are joined column-wise).  cell text is
 * trimmed; indent[c] counts the leading spaces of cell c (hierarchy). */
typedef struct bs_trow {
    int line;
    int ncell;
    char **cell;
    int *indent;
} bs_trow;
typedef struct bs_table {
    int line;          /* line of the first border */
    int nrow;
    bs_trow *rows;
    const char *title; /* the section title above it, or "" */
} bs_table;
/* Reads every boxed table of a report. */
int bs_rpt_tables(bs_arena *a, const char *text, size_t len, bs_table **out, int *n);
/* Column index of a header cell matching one of names (case-insensitive,
 * '|' separated list: "Used|Total"), or -1. */
int bs_table_col(const bs_table *t, const char *names);
/* Cell text or "" when the row is short. */
const char *bs_cell(const bs_trow *r, int c);

/* ---- XML (xml.c) ---- */

typedef struct bs_xattr { const char *name, *value; } bs_xattr;
typedef struct bs_xnode {
    const char *name;             /* element name */
    const char *text;             /* concatenated character data (entities decoded), trimmed */
    bs_xattr *attr;
    int nattr;
    struct bs_xnode *child, *next, *parent;
    int line;
} bs_xnode;
/* Parses XML text into a tree in the arena.  Tolerates a missing prolog,
 * comments, processing instructions, DOCTYPE, CDATA.  On error returns
 * BS_EPARSE with *err_line set and the reason in err (>= 160 bytes). */
int bs_xml_parse(bs_arena *a, const char *text, size_t len, bs_xnode **root, int *err_line,
                 char *err, size_t errn);
/* First child element with this name (NULL if none). */
const bs_xnode *bs_xml_child(const bs_xnode *n, const char *name);
/* Follows a '/' separated path of child names. */
const bs_xnode *bs_xml_path(const bs_xnode *n, const char *path);
const char *bs_xml_attr(const bs_xnode *n, const char *name);

/* ---- parsers (one file each) ---- */
int bs_parse_vivado_util(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_vivado_util_xml(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_vivado_timing(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_vivado_power(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_hls_xml(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_hls_rpt(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_finn_json(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_finn_folding(bs_metric_set *s, const char *path, const char *text, size_t len);
bool bs_finn_json_known(const char *base);
int bs_parse_finn_log(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_yosys_stat(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_nextpnr_report(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_icetime(bs_metric_set *s, const char *path, const char *text, size_t len);
int bs_parse_rtlsim_counts(bs_metric_set *s, const char *path, const char *text, size_t len);

/* The util-table mapping shared by the text and XML utilization parsers. */
int bs_util_apply_table(bs_metric_set *s, const char *path, const bs_table *t, int rank,
                        unsigned *done);

/* JSON: parses with an error naming path:line and what was expected. */
struct cJSON;
int bs_metrics_json(bs_metric_set *s, const char *path, const char *text, size_t len,
                    struct cJSON **out);

#endif
