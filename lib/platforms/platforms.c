/* platforms.c - the board/part registry: FINN's platforms (numbers from
 * FINN's util/platforms.py and the part maps of util/basic.py, read at FINN
 * dev 54ede869 = main 39f0c9a for these tables), boards FINN maps to a part
 * without giving resources (datasheet numbers), the iCE40 parts of the open
 * flow, and user entries from <home>/platforms.json. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "brainsmith/error.h"
#include "brainsmith/json.h"
#include "brainsmith/platforms.h"
#include "brainsmith/util.h"

const double bs_platform_default_limits[5] = {0.7, 0.5, 0.80, 0.80, 0.80};
const bs_res bs_platform_ddr_cost = {33256, 44889, 199, 0, 3};
const bs_res bs_platform_hbm_cost = {10718, 21793, 8, 0, 0};
const bs_res bs_platform_eth_cost = {35219, 86269, 183, 0, 0};

#define R(l, b, u, d) {l, 2 * (l), b, u, d}     /* FINN: FF = 2 * LUT */
#define XB 18432, 294912
#define Z7020 1, {R(53200, 280, 0, 220)}, -1, 0, 0
#define ZU3EG 1, {R(71000, 412, 0, 360)}, -1, 0, 0
#define ZU28DR 1, {R(425000, 2160, 80, 4272)}, -1, 0, 0
#define ZYNQ(port) "vivado", "synth_xilinx -family xcup", "vivado_zynq", "", port, 10.0, XB
#define ZYNQ7 "vivado", "synth_xilinx -family xc7", "vivado_zynq", "", 64, 10.0, XB
#define ALVEO(plat) "vivado", "synth_xilinx -family xcup", "vitis_alveo", plat, 0, 10.0, XB
#define VERSAL "vivado", "", "", "", 0, 10.0, XB

static const bs_platform builtin[] = {
    {"Pynq-Z1", "|pynq-z1|pynqz1|pynq_z1|", "xc7z020clg400-1", "zynq7", ZYNQ7, Z7020, "finn",
     "Digilent PYNQ-Z1, Zynq-7020"},
    {"Pynq-Z2", "|pynq-z2|pynqz2|pynq_z2|", "xc7z020clg400-1", "zynq7", ZYNQ7, Z7020, "finn",
     "TUL PYNQ-Z2, Zynq-7020"},
    {"Ultra96", "|ultra96|ultra96-v1|", "xczu3eg-sbva484-1-e", "zynqmp", ZYNQ(128), ZU3EG, "finn",
     "Avnet Ultra96, Zynq UltraScale+ ZU3EG"},
    {"Ultra96-V2", "|ultra96-v2|ultra96v2|", "xczu3eg-sbva484-1-i", "zynqmp", ZYNQ(128), ZU3EG, "finn",
     "Avnet Ultra96-V2 (FINN part map; resources of FINN's ZU3EG platform)"},
    {"ZCU102", "|zcu102|", "xczu9eg-ffvb1156-2-e", "zynqmp", ZYNQ(128),
     1, {R(274000, 1824, 0, 2520)}, -1, 0, 0, "finn", "AMD ZCU102, ZU9EG"},
    {"ZCU104", "|zcu104|", "xczu7ev-ffvc1156-2-e", "zynqmp", ZYNQ(128),
     1, {R(230000, 610, 92, 1728)}, -1, 0, 0, "finn", "AMD ZCU104, ZU7EV"},
    {"ZCU111", "|zcu111|", "xczu28dr-ffvg1517-2-e", "rfsoc", ZYNQ(128), ZU28DR, "finn",
     "AMD ZCU111 RFSoC, ZU28DR"},
    {"RFSoC2x2", "|rfsoc2x2|rfsoc-2x2|", "xczu28dr-ffvg1517-2-e", "rfsoc", ZYNQ(128), ZU28DR, "finn",
     "RFSoC 2x2 (FINN part map; resources of FINN's ZU28DR platform)"},
    {"RFSoC4x2", "|rfsoc4x2|rfsoc-4x2|", "xczu48dr-ffvg1517-2-e", "rfsoc", ZYNQ(128),
     1, {{425280, 850560, 2160, 80, 4272}}, -1, 0, 0, "datasheet", "RFSoC 4x2, ZU48DR (DS889 numbers)"},
    {"KV260_SOM", "|kv260_som|kv260|k26|", "xck26-sfvc784-2LV-c", "zynqmp", ZYNQ(128),
     1, {{117120, 234240, 288, 64, 1248}}, -1, 0, 0, "datasheet", "Kria KV260 SOM, K26 (DS987 numbers)"},
    {"AUP-ZU3_8GB", "|aup-zu3_8gb|aup-zu3|", "xczu3eg-sfvc784-2-e", "zynqmp", ZYNQ(128), ZU3EG, "finn",
     "AUP-ZU3 8GB (FINN dev part map; resources of FINN's ZU3EG platform)"},
    {"U50", "|u50|alveo-u50|", "xcu50-fsvh2104-2L-e", "alveo", ALVEO("xilinx_u50_gen3x16_xdma_5_202210_1"),
     2, {R(374400, 1128, 304, 2592), R(368160, 1128, 304, 2760)}, 0, 1, 0, "finn", "Alveo U50 (HBM)"},
    {"U200", "|u200|alveo-u200|", "xcu200-fsgd2104-2-e", "alveo", ALVEO("xilinx_u200_gen3x16_xdma_2_202110_1"),
     3, {R(385920, 1428, 320, 2268), R(199680, 840, 160, 1320), R(385920, 1428, 320, 2268)}, -1, 2, 0x5,
     "finn", "Alveo U200"},
    {"U250", "|u250|alveo-u250|", "xcu250-figd2104-2L-e", "alveo", ALVEO("xilinx_u250_gen3x16_xdma_2_1_202010_1"),
     4, {R(375000, 1152, 320, 2880), R(375000, 1152, 320, 2880), R(375000, 1152, 320, 2880),
         R(375000, 1152, 320, 2880)}, -1, 3, 0xf, "finn", "Alveo U250"},
    {"U280", "|u280|alveo-u280|", "xcu280-fsvh2892-2L-e", "alveo", ALVEO("xilinx_u280_gen3x16_xdma_1_202211_1"),
     3, {R(400800, 1200, 320, 2736), R(382080, 1152, 320, 2880), R(380640, 1152, 320, 2880)}, 0, 2, 0x3,
     "finn", "Alveo U280 (HBM + DDR)"},
    {"U55C", "|u55c|alveo-u55c|", "xcu55c-fsvh2892-2L-e", "alveo", ALVEO("xilinx_u55c_gen3x16_xdma_3_202210_1"),
     3, {{386000, 773000, 1200, 320, 2664}, {364000, 729000, 1152, 320, 2784}, {381000, 763000, 1200, 320, 2856}},
     0, 1, 0, "finn", "Alveo U55C (HBM)"},
    {"VCK190", "|vck190|", "xcvc1902-vsva2197-2MP-e-S", "versal", VERSAL,
     1, {{899840, 1799680, 1934, 463, 1968}}, -1, 0, 0, "datasheet", "Versal AI Core VCK190, VC1902 (DS950 numbers)"},
    {"VEK280", "|vek280|", "xcve2802-vsvh1760-2MP-e-S", "versal", VERSAL,
     0, {{0}}, -1, 0, 0, "datasheet", "Versal AI Edge VEK280, VE2802 (part only: no resource budget)"},
    {"V80", "|v80|alveo-v80|", "xcv80-lsva4737-2MHP-e-s", "versal", VERSAL,
     0, {{0}}, -1, 0, 0, "datasheet", "Alveo V80 (FINN dev part map; part only: no resource budget)"},
    {"iCE40-UP5K", "|ice40-up5k|up5k|ice40up5k|icebreaker|", "ice40up5k-sg48", "ice40", "icestorm",
     "synth_ice40 -dsp", "", "", 0, 40.0, 4096, 262144,
     1, {{5280, 5280, 30, 4, 8}}, -1, 0, 0, "datasheet",
     "Lattice iCE40 UltraPlus UP5K, sg48 (open flow: yosys, nextpnr-ice40 --up5k, icepack)"},
    {"iCE40-HX8K", "|ice40-hx8k|hx8k|ice40hx8k|", "ice40hx8k-ct256", "ice40", "icestorm",
     "synth_ice40", "", "", 0, 40.0, 4096, 262144,
     1, {{7680, 7680, 32, 0, 0}}, -1, 0, 0, "datasheet",
     "Lattice iCE40 HX8K, ct256 (open flow: yosys, nextpnr-ice40 --hx8k, icepack)"},
};
#define NBUILTIN (sizeof builtin / sizeof builtin[0])

/* user entries and the merged view */
static bs_platform *user;
static size_t nuser;
static char **upool;      /* strings owned by user entries */
static size_t npool;

static bool overridden(const bs_platform *b) {
    for (size_t i = 0; i < nuser; i++)
        if (strcasecmp(user[i].name, b->name) == 0) return true;
    return false;
}

size_t bs_platform_count(void) {
    size_t n = nuser;
    for (size_t i = 0; i < NBUILTIN; i++) n += !overridden(&builtin[i]);
    return n;
}

const bs_platform *bs_platform_at(size_t i) {
    for (size_t b = 0; b < NBUILTIN; b++) {
        if (overridden(&builtin[b])) continue;
        if (i == 0) return &builtin[b];
        i--;
    }
    return i < nuser ? &user[i] : NULL;
}

static bool alias_match(const char *aliases, const char *q) {
    if (!aliases) return false;
    size_t ql = strlen(q);
    for (const char *p = aliases; (p = strchr(p, '|')) && p[1]; p++) {
        const char *e = strchr(p + 1, '|');
        if (e && (size_t)(e - p - 1) == ql && strncasecmp(p + 1, q, ql) == 0) return true;
    }
    return false;
}

int bs_platform_lookup(const char *q, const bs_platform **out) {
    *out = NULL;
    if (!q || !*q) return bs_error_set(BS_EINVAL, "empty platform name");
    size_t n = bs_platform_count();
    for (size_t i = 0; i < n; i++) {
        const bs_platform *p = bs_platform_at(i);
        if (strcasecmp(p->name, q) == 0 || alias_match(p->aliases, q)) { *out = p; return 0; }
    }
    for (size_t i = 0; i < n; i++) {
        const bs_platform *p = bs_platform_at(i);
        if (strcasecmp(p->part, q) == 0) { *out = p; return 0; }
    }
    /* suggestions: names/parts containing the query, else sharing its first 3 characters */
    char sugg[256] = "";
    for (int pass = 0; pass < 2 && !sugg[0]; pass++)
        for (size_t i = 0; i < n; i++) {
            const bs_platform *p = bs_platform_at(i);
            bool hit = pass == 0 ? (strcasestr(p->name, q) || strcasestr(p->part, q))
                                 : strlen(q) >= 3 && (strncasecmp(p->name, q, 3) == 0 ||
                                                      strncasecmp(p->part, q, 3) == 0);
            if (hit && strlen(sugg) + strlen(p->name) + 3 < sizeof sugg) {
                if (sugg[0]) strcat(sugg, ", ");
                strcat(sugg, p->name);
            }
        }
    if (sugg[0])
        return bs_error_set(BS_ENOTFOUND, "unknown platform or part '%s' (did you mean %s?)", q, sugg);
    return bs_error_set(BS_ENOTFOUND, "unknown platform or part '%s' (see 'brainsmith platforms')", q);
}

void bs_platform_total(const bs_platform *p, bs_res *o) {
    memset(o, 0, sizeof *o);
    for (int i = 0; i < p->nslr; i++) {
        o->lut += p->slr[i].lut; o->ff += p->slr[i].ff; o->bram18 += p->slr[i].bram18;
        o->uram += p->slr[i].uram; o->dsp += p->slr[i].dsp;
    }
}

static void sub(bs_res *a, const bs_res *b) {
    a->lut -= b->lut; a->ff -= b->ff; a->bram18 -= b->bram18; a->uram -= b->uram; a->dsp -= b->dsp;
}

void bs_platform_guide(const bs_platform *p, bs_res out[BS_PLATFORM_MAX_SLR]) {
    for (int i = 0; i < p->nslr; i++) {
        out[i] = p->slr[i];
        if (i == p->hbm_slr) sub(&out[i], &bs_platform_hbm_cost);
        else if (p->ddr_slr_mask & (1u << i)) sub(&out[i], &bs_platform_ddr_cost);
    }
}

const char *bs_platform_dsp_block(const bs_platform *p) {
    if (!strcmp(p->family, "ice40")) return "SB_MAC16";
    if (!strcmp(p->family, "versal")) return "DSP58";
    return p->part[2] == '7' ? "DSP48E1" : "DSP48E2";
}

/* ---- user file ---- */
static void free_user(bs_platform *u, size_t nu, char **pool, size_t np) {
    for (size_t i = 0; i < np; i++) free(pool[i]);
    free(pool);
    free(u);
    (void)nu;
}

void bs_platforms_reset_user(void) {
    free_user(user, nuser, upool, npool);
    user = NULL;
    upool = NULL;
    nuser = npool = 0;
}

typedef struct { char **v; size_t n, cap; } pool_t;
static const char *keep(pool_t *p, const char *s) {
    if (p->n == p->cap) {
        size_t c = p->cap ? 2 * p->cap : 16;
        char **nv = realloc(p->v, c * sizeof *nv);
        if (!nv) return NULL;
        p->v = nv;
        p->cap = c;
    }
    char *d = strdup(s);
    if (d) p->v[p->n++] = d;
    return d;
}

static int get_res(const char *path, int idx, const cJSON *o, bs_res *r) {
    static const char *const keys[] = {"LUT", "FF", "BRAM_18K", "URAM", "DSP"};
    int64_t *dst[] = {&r->lut, &r->ff, &r->bram18, &r->uram, &r->dsp};
    if (!cJSON_IsObject(o)) return bs_error_set(BS_EINVAL, "%s: platform %d: slr entries must be objects", path, idx);
    for (int k = 0; k < 5; k++) {
        int64_t v = 0;
        int rc = bs_json_get_i64(o, keys[k], &v);
        if (rc == BS_ENOTFOUND && k == 1) { v = 2 * r->lut; rc = 0; }   /* FINN: FF = 2*LUT */
        if (rc == BS_ENOTFOUND && (k == 3 || k == 4)) rc = 0;
        if (rc) return bs_error_wrap(rc, "%s: platform %d: slr: ", path, idx);
        if (v < 0) return bs_error_set(BS_EINVAL, "%s: platform %d: %s must be >= 0", path, idx, keys[k]);
        *dst[k] = v;
    }
    return 0;
}

static int parse_one(const char *path, int idx, const cJSON *e, bs_platform *p, pool_t *pool) {
    const char *name = NULL, *part = NULL, *fam = "user", *tc = "vivado", *help = "user platform";
    if (!cJSON_IsObject(e)) return bs_error_set(BS_EINVAL, "%s: platform %d is not an object", path, idx);
    int rc = bs_json_get_str(e, "name", &name);
    if (rc) return bs_error_wrap(rc, "%s: platform %d: ", path, idx);
    if ((rc = bs_json_get_str(e, "part", &part)))
        return bs_error_wrap(rc, "%s: platform '%s': ", path, name);
    bs_json_get_str(e, "family", &fam);
    bs_json_get_str(e, "toolchain", &tc);
    bs_json_get_str(e, "help", &help);
    double clk = 10.0;
    rc = bs_json_get_double(e, "clk_ns", &clk);
    if (rc && rc != BS_ENOTFOUND) return bs_error_wrap(rc, "%s: platform '%s': ", path, name);
    if (clk <= 0) return bs_error_set(BS_EINVAL, "%s: platform '%s': clk_ns must be > 0", path, name);
    memset(p, 0, sizeof *p);
    /* aliases: "|a|b|" in lower case */
    bs_strbuf al = BS_STRBUF_INIT;
    bs_strbuf_puts(&al, "|");
    const cJSON *a, *aliases = cJSON_GetObjectItem(e, "aliases");
    cJSON_ArrayForEach(a, aliases) {
        if (!cJSON_IsString(a)) { bs_strbuf_free(&al); return bs_error_set(BS_EINVAL, "%s: platform '%s': aliases must be strings", path, name); }
        for (const char *c = a->valuestring; *c; c++) {
            char lc = (char)tolower((unsigned char)*c);
            bs_strbuf_append(&al, &lc, 1);
        }
        bs_strbuf_puts(&al, "|");
    }
    char *als = bs_strbuf_detach(&al);
    p->aliases = keep(pool, als);
    free(als);
    p->name = keep(pool, name);
    p->part = keep(pool, part);
    p->family = keep(pool, fam);
    p->toolchain = keep(pool, tc);
    p->yosys_synth = "";
    p->shell = "";
    p->vitis_platform = "";
    p->help = keep(pool, help);
    p->source = "user";
    p->clk_ns = clk;
    p->bram_bits = 18432;
    p->uram_bits = 294912;
    p->hbm_slr = -1;
    if (!p->aliases || !p->name || !p->part || !p->family || !p->toolchain || !p->help)
        return bs_error_set(BS_ENOMEM, "%s: out of memory", path);
    const cJSON *slr = cJSON_GetObjectItem(e, "slr"), *s;
    if (!cJSON_IsArray(slr) || cJSON_GetArraySize(slr) < 1 || cJSON_GetArraySize(slr) > BS_PLATFORM_MAX_SLR)
        return bs_error_set(BS_EINVAL, "%s: platform '%s': \"slr\" must be a list of 1..%d resource objects",
                            path, name, BS_PLATFORM_MAX_SLR);
    cJSON_ArrayForEach(s, slr) {
        if ((rc = get_res(path, idx, s, &p->slr[p->nslr]))) return rc;
        p->nslr++;
    }
    return 0;
}

int bs_platforms_load_file(const char *path) {
    cJSON *j = NULL;
    int rc = bs_json_load_file(path, &j);
    if (rc) return rc;
    const cJSON *arr = cJSON_GetObjectItem(j, "platforms");
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(j);
        return bs_error_set(BS_EINVAL, "%s: expected {\"platforms\": [...]}", path);
    }
    size_t n = (size_t)cJSON_GetArraySize(arr);
    bs_platform *nu = calloc(n ? n : 1, sizeof *nu);
    pool_t pool = {0};
    if (!nu) { cJSON_Delete(j); return bs_error_set(BS_ENOMEM, "%s: out of memory", path); }
    const cJSON *e;
    int idx = 0;
    cJSON_ArrayForEach(e, arr) {
        if ((rc = parse_one(path, idx, e, &nu[idx], &pool))) break;
        for (int k = 0; k < idx; k++)
            if (strcasecmp(nu[k].name, nu[idx].name) == 0) {
                rc = bs_error_set(BS_EINVAL, "%s: platform '%s' defined twice", path, nu[idx].name);
                break;
            }
        if (rc) break;
        idx++;
    }
    cJSON_Delete(j);
    if (rc) { free_user(nu, n, pool.v, pool.n); return rc; }
    bs_platforms_reset_user();
    user = nu;
    nuser = n;
    upool = pool.v;
    npool = pool.n;
    return 0;
}

int bs_platforms_load_workspace(const char *home) {
    if (!home) return 0;
    char *p = bs_path_join(home, "platforms.json");
    if (!p) return bs_error_set(BS_ENOMEM, "out of memory");
    int rc = bs_path_exists(p) ? bs_platforms_load_file(p) : 0;
    free(p);
    return rc;
}
