/* platforms.h - FPGA boards and parts: per-SLR resources (LUT, FF, BRAM18,
 * URAM, DSP), part strings, default clock, device family and the toolchain
 * that builds for it.
 *
 * The built-in table holds FINN's boards with the numbers of FINN's
 * src/finn/util/platforms.py and the part maps of util/basic.py
 * (finn-reference §2.4, §10), boards FINN maps to a part but gives no
 * resources for (datasheet numbers, marked source "datasheet"), and the
 * Lattice iCE40 UP5K / HX8K of the open toolchain.  A workspace may add or
 * override entries in <home>/platforms.json (see docs/platforms.md):
 *
 *   {"platforms": [{"name": "MyBoard", "part": "xczu7ev-ffvc1156-2-e",
 *                   "family": "zynqmp", "clk_ns": 5.0, "aliases": ["myb"],
 *                   "slr": [{"LUT": 230000, "FF": 460000, "BRAM_18K": 610,
 *                            "URAM": 92, "DSP": 1728}]}]}
 *
 * Lookup is by FINN board name (case-insensitive, with aliases such as
 * "pynq-z2", "zcu104", "u250", "kv260") or by part string. */
#ifndef BRAINSMITH_PLATFORMS_H
#define BRAINSMITH_PLATFORMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BS_PLATFORM_MAX_SLR 4

/* One SLR's resources, FINN's compute_resources order [LUT, FF, BRAM_18K,
 * URAM, DSP].  On iCE40, BRAM_18K counts 4-kbit EBRs (SB_RAM40_4K), URAM
 * counts 256-kbit SPRAMs and DSP counts SB_MAC16 (see bram_bits/uram_bits). */
typedef struct bs_res {
    int64_t lut, ff, bram18, uram, dsp;
} bs_res;

typedef struct bs_platform {
    const char *name;        /* FINN board name: "Pynq-Z1", "ZCU104", "U250", "iCE40-UP5K" */
    const char *aliases;     /* "|pynq-z1|pynqz1|" (lower case, '|'-separated) */
    const char *part;        /* "xc7z020clg400-1", "xcu250-figd2104-2L-e", "up5k-sg48" */
    const char *family;      /* "zynq7", "zynqmp", "rfsoc", "alveo", "versal", "ice40" */
    const char *toolchain;   /* "vivado" (+ yosys synth estimates) or "icestorm" (yosys+nextpnr) */
    const char *yosys_synth; /* yosys synthesis command for resource counts, "" if none */
    const char *shell;       /* FINN shell_flow_type: "vivado_zynq", "vitis_alveo", "" */
    const char *vitis_platform; /* Alveo default platform, "" otherwise */
    int axi_port_width;      /* pynq_native_port_width (bits), 0 if n/a */
    double clk_ns;           /* default synth_clk_period_ns */
    int bram_bits;           /* bits per BRAM unit: 18432 (RAMB18) or 4096 (iCE40 EBR) */
    int uram_bits;           /* bits per URAM unit: 294912, or 262144 (SPRAM) */
    int nslr;
    bs_res slr[BS_PLATFORM_MAX_SLR];
    int hbm_slr, eth_slr;    /* -1 = none */
    unsigned ddr_slr_mask;   /* bit i = SLR i has a DDR controller */
    const char *source;      /* "finn" (platforms.py numbers), "datasheet", "user" */
    const char *help;
} bs_platform;

/* FINN DEFAULT_RES_LIMITS: fraction of (LUT, FF, BRAM, URAM, DSP) a floorplan
 * may use, and the infrastructure FINN's guide_resources subtracts. */
extern const double bs_platform_default_limits[5];
extern const bs_res bs_platform_ddr_cost, bs_platform_hbm_cost, bs_platform_eth_cost;

/* Registry (built-ins followed by user entries; a user entry with the name of
 * a built-in replaces it). */
size_t bs_platform_count(void);
const bs_platform *bs_platform_at(size_t i);
/* Finds by board name, alias (case-insensitive) or part string (the first
 * board with that part).  BS_ENOTFOUND "unknown platform 'x' (did you mean
 * ...?)" otherwise. */
int bs_platform_lookup(const char *name_or_part, const bs_platform **out);
/* Sum over SLRs. */
void bs_platform_total(const bs_platform *p, bs_res *out);
/* FINN guide_resources for one device: per-SLR compute resources minus the
 * DDR/HBM memory-controller cost (HBM wins where both exist). */
void bs_platform_guide(const bs_platform *p, bs_res out[BS_PLATFORM_MAX_SLR]);
/* Which DSP block the part has ("DSP48E1", "DSP48E2", "DSP58", "SB_MAC16"). */
const char *bs_platform_dsp_block(const bs_platform *p);

/* Loads user platforms from a JSON file (format above).  Replaces earlier
 * user entries.  Errors name the file and the offending entry/field; on error
 * nothing is changed. */
int bs_platforms_load_file(const char *path);
/* Loads <home>/platforms.json when it exists (0 if absent). */
int bs_platforms_load_workspace(const char *home);
/* Drops user entries (frees them). */
void bs_platforms_reset_user(void);

#endif
