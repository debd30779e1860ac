/* flow_int.h - private declarations shared by the files of lib/flow: the
 * native step functions (steps_impl.c) and the report writers (reports.c). */
#ifndef BS_FLOW_INT_H
#define BS_FLOW_INT_H

#include "brainsmith/flow.h"

int bs_step_qonnx_to_finn(bs_flow_ctx *ctx);
int bs_step_tidy_up(bs_flow_ctx *ctx);
int bs_step_streamline(bs_flow_ctx *ctx);
int bs_step_convert_to_hw(bs_flow_ctx *ctx);
int bs_step_create_dataflow_partition(bs_flow_ctx *ctx);
int bs_step_specialize_layers(bs_flow_ctx *ctx);
int bs_step_target_fps_parallelization(bs_flow_ctx *ctx);
int bs_step_apply_folding_config(bs_flow_ctx *ctx);
int bs_step_minimize_bit_width(bs_flow_ctx *ctx);
int bs_step_transpose_decomposition(bs_flow_ctx *ctx);
int bs_step_generate_estimate_reports(bs_flow_ctx *ctx);
int bs_step_set_fifo_depths(bs_flow_ctx *ctx);

/* Writes the five estimate reports of finn-reference §3 into <out>/report. */
int bs_flow_write_estimate_reports(bs_flow_ctx *ctx);
/* Runs a verification point (verify_steps) if configured: executes the
 * current model on verify_input_npy and compares with the expected output;
 * writes verification_output/verify_<tag>_<i>_{SUCCESS,FAIL}.npy. */
int bs_flow_verify(bs_flow_ctx *ctx, unsigned which, const char *tag);
/* Registers fallback executor kernels for MVAU/Thresholding/LabelSelect. */
void bs_flow_register_hw_exec(void);
/* The child model StreamingDataflowPartition nodes execute (NULL = none). */
void bs_flow_set_sdp_child(const bs_ir_graph *child);
/* Writes a build output (temp + rename, no fsync). */
int bs_flow_write_file(const char *path, const void *data, size_t len);
int bs_flow_save_model(const bs_ir_graph *g, const char *path);
/* Waits for the background checkpoint writers; first error. */
int bs_flow_writes_join(void);
/* Writes a JSON object as FINN does (json.dump indent=2). */
int bs_flow_write_json(const char *dir, const char *name, const cJSON *j);

#endif
