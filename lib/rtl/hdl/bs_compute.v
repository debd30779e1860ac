// bs_compute.v - brainsmith RTL kernel library: MVAU and Thresholding.
//
// Both are global-stall pipelines: every register stage advances while the
// output register is empty or being read (stall = out_valid & ~out_ready),
// so no beat is ever lost or duplicated under back-pressure and the steady
// state is one fold step per clock, as FINN's cycle model assumes.
// Weight and threshold memories are ROMs initialised with $readmemh from
// files the generator writes (FINN's internal_embedded / internal_decoupled
// modes); with EXTW=1 the weights arrive on a stream instead (external).

// WBLOCK selects block (1) or distributed (0) ROM for the weights
// (distributed = "logic" for Yosys: ROM bits become LUT functions).
// Matrix-Vector-Activation Unit: out = MultiThreshold(x . W) (or the raw
// accumulator with NSTEPS=0, i.e. noActivation).  Input vector of MW
// elements arrives as SF=MW/SIMD beats of SIMD elements and is buffered so
// that it can be replayed for the NF=MH/PE neuron folds; each output beat
// holds PE channels, channel nf*PE+p in lane p.
// Weight word at address nf*SF+sf: lane p*SIMD+s (WBITS each) holds
// W[sf*SIMD+s][nf*PE+p] (ONNX orientation MW x MH).  Threshold word at
// address nf: lane p*NSTEPS+k (TBITS each, two's complement) holds
// T[nf*PE+p][k].  Output = ACTVAL + #{k : acc >= T[ch][k]}.
// BINXNOR=1: inputs and weights are 1-bit bipolar codes and the product is
// XNOR (acc = popcount), as FINN's binaryXnorMode.
module bs_mvau #(
  parameter integer MW = 4,
  parameter integer MH = 4,
  parameter integer PE = 1,
  parameter integer SIMD = 1,
  parameter integer IBITS = 8,
  parameter integer ISIGNED = 1,
  parameter integer WBITS = 8,
  parameter integer WSIGNED = 1,
  parameter integer ABITS = 32,
  parameter integer OBITS = 32,
  parameter integer NSTEPS = 0,
  parameter integer TBITS = 32,
  parameter integer ACTVAL = 0,
  parameter integer BINXNOR = 0,
  parameter integer EXTW = 0,
  parameter integer WBLOCK = 1,
  parameter WFILE = "w.memh",
  parameter TFILE = "t.memh"
)(
  input  wire                     clk,
  input  wire                     rst_n,
  input  wire [SIMD*IBITS-1:0]    in_data,
  input  wire                     in_valid,
  output wire                     in_ready,
  input  wire [PE*SIMD*WBITS-1:0] w_data,
  input  wire                     w_valid,
  output wire                     w_ready,
  output wire [PE*OBITS-1:0]      out_data,
  output reg                      out_valid,
  input  wire                     out_ready
);
  localparam integer SF = MW / SIMD;
  localparam integer NF = MH / PE;
  localparam integer WD = SF * NF;
  localparam integer WW = PE * SIMD * WBITS;
  localparam integer TS = (NSTEPS > 0) ? NSTEPS : 1;
  localparam integer TW = PE * TS * TBITS;
  localparam integer SFW = (SF <= 2) ? 1 : $clog2(SF);
  localparam integer NFW = (NF <= 2) ? 1 : $clog2(NF);
  localparam integer WAW = (WD <= 2) ? 1 : $clog2(WD);
  localparam integer PW = (BINXNOR != 0) ? 2 : IBITS + WBITS + 2;

  wire stall = out_valid & ~out_ready;

  // ---- stage 0: fold counters, input buffer, weight address
  reg [SFW-1:0] sf;
  reg [NFW-1:0] nf;
  reg [WAW-1:0] waddr;
  reg [SIMD*IBITS-1:0] ibuf [0:SF-1];
  wire need_in = (nf == 0);
  wire w_ok = (EXTW != 0) ? w_valid : 1'b1;
  wire x_ok = need_in ? in_valid : 1'b1;
  wire fire0 = ~stall & w_ok & x_ok;
  assign in_ready = ~stall & need_in & w_ok;
  assign w_ready = (EXTW != 0) & ~stall & x_ok;
  wire [SIMD*IBITS-1:0] xsel = need_in ? in_data : ibuf[sf];
  always @(posedge clk) begin
    if (!rst_n) begin
      sf <= 0; nf <= 0; waddr <= 0;
    end else if (fire0) begin
      if (need_in) ibuf[sf] <= in_data;
      waddr <= (waddr == WD - 1) ? {WAW{1'b0}} : waddr + 1'b1;
      if (sf == SF - 1) begin
        sf <= 0;
        nf <= (nf == NF - 1) ? {NFW{1'b0}} : nf + 1'b1;
      end else begin
        sf <= sf + 1'b1;
      end
    end
  end

  // ---- stage 1: operands (synchronous ROM reads)
  reg v1, first1, last1;
  reg [SIMD*IBITS-1:0] x1;
  reg [WW-1:0] w1;
  reg [TW-1:0] t1;
  generate
    if (EXTW == 0 && WBLOCK != 0) begin : g_wrom
      (* rom_style = "block", ram_style = "block" *) reg [WW-1:0] wrom [0:WD-1];
      initial $readmemh(WFILE, wrom);
      always @(posedge clk) if (!stall) w1 <= wrom[waddr];
    end else if (EXTW == 0) begin : g_wlut
      (* rom_style = "logic", ram_style = "logic" *) reg [WW-1:0] wrom [0:WD-1];
      initial $readmemh(WFILE, wrom);
      always @(posedge clk) if (!stall) w1 <= wrom[waddr];
    end else begin : g_wstream
      always @(posedge clk) if (!stall) w1 <= w_data;
    end
    if (NSTEPS > 0) begin : g_trom
      reg [TW-1:0] trom [0:NF-1];
      initial $readmemh(TFILE, trom);
      always @(posedge clk) if (!stall) t1 <= trom[nf];
    end else begin : g_notrom
      always @(posedge clk) t1 <= {TW{1'b0}};
    end
  endgenerate
  always @(posedge clk) begin
    if (!rst_n) begin
      v1 <= 0; first1 <= 0; last1 <= 0;
    end else if (!stall) begin
      v1 <= fire0;
      x1 <= xsel;
      first1 <= (sf == 0);
      last1 <= (sf == SF - 1);
    end
  end

  // ---- stages 2-4, one generate block per PE: dot product of SIMD lanes
  // (stage 2), accumulation over the SF folds (3), activation (4).  Every
  // lane index is a constant, so Verilator emits straight-line code on
  // native words (no selects into wide vectors) and Yosys sees the same
  // logic.  XNOR mode is a popcount ($countones: one instruction in C++).
  reg v2, first2, last2, v3;
  always @(posedge clk) begin
    if (!rst_n) begin
      v2 <= 0; first2 <= 0; last2 <= 0; v3 <= 0;
    end else if (!stall) begin
      v2 <= v1; first2 <= first1; last2 <= last1;
      v3 <= v2 & last2;
    end
  end
  // Each PE's datapath is computed inside its clocked blocks only when a
  // beat occupies the stage (v1 / v3): idle cycles cost nothing in
  // simulation; Yosys sees the same registers with enables.
  genvar gp;
  generate
    for (gp = 0; gp < PE; gp = gp + 1) begin : g_pe
      reg signed [ABITS-1:0] dot2, acc, accf3;
      reg [TS*TBITS-1:0] t2, t3;
      reg [OBITS-1:0] o;
      reg signed [IBITS:0] xe;
      reg signed [WBITS:0] we;
      reg signed [ABITS-1:0] sum;
      integer s;
      always @(posedge clk) begin
        if (!stall && v1) begin
          if (BINXNOR != 0) begin
            dot2 <= $countones(~(x1[SIMD-1:0] ^ w1[gp*SIMD +: SIMD]));
          end else begin
            sum = 0;
            for (s = 0; s < SIMD; s = s + 1) begin
              xe = {(ISIGNED != 0) & x1[s*IBITS + IBITS-1], x1[s*IBITS +: IBITS]};
              we = {(WSIGNED != 0) & w1[(gp*SIMD+s)*WBITS + WBITS-1], w1[(gp*SIMD+s)*WBITS +: WBITS]};
              sum = sum + xe * we;
            end
            dot2 <= sum;
          end
          t2 <= t1[gp*TS*TBITS +: TS*TBITS];
        end
      end
      wire signed [ABITS-1:0] acc_c = (first2 ? {ABITS{1'b0}} : acc) + dot2;
      always @(posedge clk) begin
        if (!stall && v2) begin
          acc <= acc_c;
          if (last2) begin
            accf3 <= acc_c;
            t3 <= t2;
          end
        end
      end
      reg signed [TBITS-1:0] t_s;
      integer k, cnt;
      always @(posedge clk) begin
        if (!stall && v3) begin
          if (NSTEPS > 0) begin
            cnt = ACTVAL;
            for (k = 0; k < TS; k = k + 1) begin
              t_s = t3[k*TBITS +: TBITS];
              if (accf3 >= t_s) cnt = cnt + 1;
            end
            o <= cnt[OBITS-1:0];
          end else begin
            o <= accf3;
          end
        end
      end
      assign out_data[gp*OBITS +: OBITS] = o;
    end
  endgenerate
  always @(posedge clk) begin
    if (!rst_n) out_valid <= 1'b0;
    else if (!stall) out_valid <= v3;
  end
endmodule

// Thresholding: out = ACTVAL + #{k : x >= T[ch][k]} per element; PE lanes,
// CF = NC/PE beats per pixel, channel cf*PE+p in lane p.  Threshold word at
// address cf: lane p*NSTEPS+k (TBITS, two's complement) = T[cf*PE+p][k].
module bs_thresh #(
  parameter integer NC = 4,
  parameter integer PE = 1,
  parameter integer IBITS = 8,
  parameter integer ISIGNED = 1,
  parameter integer OBITS = 4,
  parameter integer NSTEPS = 15,
  parameter integer TBITS = 9,
  parameter integer ACTVAL = 0,
  parameter TFILE = "t.memh"
)(
  input  wire                clk,
  input  wire                rst_n,
  input  wire [PE*IBITS-1:0] in_data,
  input  wire                in_valid,
  output wire                in_ready,
  output wire [PE*OBITS-1:0] out_data,
  output reg                 out_valid,
  input  wire                out_ready
);
  localparam integer CF = NC / PE;
  localparam integer CFW = (CF <= 2) ? 1 : $clog2(CF);
  localparam integer TW = PE * NSTEPS * TBITS;
  wire stall = out_valid & ~out_ready;
  assign in_ready = ~stall;
  wire fire0 = in_valid & ~stall;
  reg [CFW-1:0] cf;
  reg [TW-1:0] trom [0:CF-1];
  initial $readmemh(TFILE, trom);
  reg v1;
  reg [PE*IBITS-1:0] x1;
  reg [TW-1:0] t1;
  always @(posedge clk) if (!stall) t1 <= trom[cf];
  always @(posedge clk) begin
    if (!rst_n) begin
      cf <= 0; v1 <= 0;
    end else if (!stall) begin
      v1 <= fire0;
      x1 <= in_data;
      if (fire0) cf <= (cf == CF - 1) ? {CFW{1'b0}} : cf + 1'b1;
    end
  end
  // Per lane, computed inside the clocked block only when a beat is in
  // stage 1: idle cycles cost nothing in simulation, same logic for Yosys.
  genvar gp;
  generate
    for (gp = 0; gp < PE; gp = gp + 1) begin : g_lane
      reg signed [IBITS:0] xe;
      reg signed [TBITS-1:0] t_s;
      reg [OBITS-1:0] o;
      integer k, cnt;
      always @(posedge clk) begin
        if (!stall && v1) begin
          xe = {(ISIGNED != 0) & x1[gp*IBITS + IBITS-1], x1[gp*IBITS +: IBITS]};
          cnt = ACTVAL;
          for (k = 0; k < NSTEPS; k = k + 1) begin
            t_s = t1[(gp*NSTEPS+k)*TBITS +: TBITS];
            if (xe >= t_s) cnt = cnt + 1;
          end
          o <= cnt[OBITS-1:0];
        end
      end
      assign out_data[gp*OBITS +: OBITS] = o;
    end
  endgenerate
  always @(posedge clk) begin
    if (!rst_n) out_valid <= 1'b0;
    else if (!stall) out_valid <= v1;
  end
endmodule
