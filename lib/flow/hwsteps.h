/* hwsteps.h - FINN's backend steps implemented on the open-tool backend
 * (lib/rtl + lib/backends): private to lib/flow, registered in steps.c.
 * Each step rebuilds the lib/rtl design from the current model's hardware
 * nodes (weights/thresholds from their initializers) and fails with
 * BS_EUNSUPPORTED naming the first node that has no generator. */
#ifndef BS_FLOW_HWSTEPS_H
#define BS_FLOW_HWSTEPS_H

#include "brainsmith/backends.h"
#include "brainsmith/flow.h"

int bs_hwstep_hw_codegen(bs_flow_ctx *ctx);
int bs_hwstep_set_fifo_depths(bs_flow_ctx *ctx);
int bs_hwstep_create_stitched_ip(bs_flow_ctx *ctx);
int bs_hwstep_measure_rtlsim_performance(bs_flow_ctx *ctx);
int bs_hwstep_out_of_context_synthesis(bs_flow_ctx *ctx);
int bs_hwstep_ice40_bitstream(bs_flow_ctx *ctx);
/* True for the steps that run external tools (rtlsim, synthesis, P&R): the
 * orchestrator gives each its own task with this resource request and the
 * tools' versions (salt, "verilator=Verilator 5.x;...") in the cache key. */
bool bs_hwstep_task(const char *step, int *cpus, int64_t *mem_mb, char *salt, size_t n);
/* Yosys target of an FPGA part (xc7*, other Xilinx -> xcup, *up5k, *hx8k). */
int bs_hwstep_synth_target(const char *part, bs_synth_target *t);

#endif
